"""Benchmark: a standards book of 2,000 requirements.

Times the book page, the diff of two such versions (about 10% of requirements
reworded, some added and removed) and copying a published version into a new draft.

Works in a database of its own: DATABASE_URL if set (a scratch database; it is
emptied first), otherwise a temporary SQLite file. Prints one line per figure and
ends with one `RESULT name=value ...` line; exits non-zero when a target is missed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_scratch = tempfile.TemporaryDirectory(prefix="bench-book-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_scratch.name}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from journeys.models import Channel, Journey, Stage, Step  # noqa: E402
from roles.models import Department, Employee, Gender, Position  # noqa: E402
from standards import services  # noqa: E402
from standards.models import (  # noqa: E402
    AppearanceStandard,
    BookVersion,
    CommunicationStandard,
    Principle,
    Requirement,
    RequirementKind,
)
from standards.selectors import version_diff  # noqa: E402

REQUIREMENTS = 2000
STANDARDS = 100  # communication standards, 18 requirements each
PRINCIPLES = 20  # 5 requirements each
APPEARANCE = 20  # 5 requirements each
RUNS = 5

TARGETS_MS = {"book_page_ms": 1500.0, "diff_ms": 1000.0, "copy_ms": 2000.0}


def _median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def _build() -> tuple[Any, BookVersion]:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_superuser(
        "bench", "bench@example.com", "bench-password-1"
    )
    root = Department.objects.create(name="Dealership")
    Department.objects.filter(pk=root.pk).update(path=f"{root.pk}/")
    root.refresh_from_db()
    positions = [Position.objects.create(name=f"Position {n}") for n in range(10)]
    Employee.objects.bulk_create(
        Employee(
            personnel_number=f"B-{n:04d}",
            full_name=f"Employee {n}",
            department=root,
            position=positions[n % 10],
            gender=Gender.FEMALE if n % 2 else Gender.MALE,
        )
        for n in range(300)
    )
    journey = Journey.objects.create(name="Buying a car")
    stage = Stage.objects.create(journey=journey, name="Visit", order=1)
    steps = [
        Step.objects.create(
            stage=stage,
            name=f"Step {n}",
            channel=Channel.IN_PERSON,
            responsible_position=positions[n % 10],
            order=n,
        )
        for n in range(STANDARDS)
    ]

    book = services.book_create(actor=user, name="Bench book")
    draft = book.versions.get()
    principles = Principle.objects.bulk_create(
        Principle(
            version=draft, title=f"Principle {n}", text="Treat the customer **well**.", order=n
        )
        for n in range(PRINCIPLES)
    )
    communication = CommunicationStandard.objects.bulk_create(
        CommunicationStandard(
            version=draft,
            position=positions[n % 10],
            step=steps[n],
            process="Greet, listen, help.",
            order=n,
        )
        for n in range(STANDARDS)
    )
    appearance = AppearanceStandard.objects.bulk_create(
        AppearanceStandard(version=draft, position=positions[n % 10], task=f"Task {n}", order=n)
        for n in range(APPEARANCE)
    )
    kinds = [RequirementKind.SAY, RequirementKind.DO, RequirementKind.NEVER]
    rows = []
    for standard in communication:
        rows += [
            Requirement(
                version=draft, communication_standard=standard, kind=kinds[n % 3], weight=n % 3 + 1,
                text=f"Requirement {standard.pk}.{n}: greet the customer within thirty seconds of arrival.", order=n,
            )
            for n in range(18)
        ]  # fmt: skip
    for principle in principles:
        rows += [
            Requirement(
                version=draft,
                principle=principle,
                kind=RequirementKind.DO,
                text=f"Be kind, rule {n}.",
                order=n,
            )
            for n in range(5)
        ]
    for standard in appearance:
        rows += [
            Requirement(
                version=draft,
                appearance_standard=standard,
                kind=RequirementKind.LOOK,
                text=f"Clean shoes {n}.",
                order=n,
            )
            for n in range(5)
        ]
    Requirement.objects.bulk_create(rows, batch_size=500)
    assert Requirement.objects.filter(version=draft).count() == REQUIREMENTS
    first = services.version_publish(actor=user, version=draft, change_note="Bench edition 1.")
    return user, first


def main() -> int:
    user, first = _build()
    book = first.book

    copy_timings = []
    for _ in range(3):
        started = time.perf_counter()
        draft = services.version_new_draft(actor=user, book=book)
        copy_timings.append((time.perf_counter() - started) * 1000)
        services.version_discard(actor=user, version=draft)
    copy_ms = statistics.median(copy_timings)
    reset_queries()  # the query log is a bounded deque: counts are only right from empty
    with CaptureQueriesContext(connection) as copy_queries:
        draft = services.version_new_draft(actor=user, book=book)

    # Reword 10%, remove 1%, add 1%.
    requirements = list(Requirement.objects.filter(version=draft).order_by("id"))
    reworded = requirements[::10]
    for requirement in reworded:
        requirement.text = requirement.text.replace("thirty seconds", "one minute")
    Requirement.objects.bulk_update(reworded, ["text"])
    Requirement.objects.filter(pk__in=[r.pk for r in requirements[5::100]]).delete()
    standard = CommunicationStandard.objects.filter(version=draft).earliest("id")
    for n in range(20):
        services.requirement_create(
            actor=user, parent=standard, text=f"New rule {n}", kind=RequirementKind.SAY
        )
    second = services.version_publish(actor=user, version=draft, change_note="Bench edition 2.")

    diff_ms = _median_ms(lambda: version_diff(first, second))
    diff = version_diff(first, second)
    changes = diff.section("requirements").count

    client = Client()
    client.force_login(user)
    url = f"/standards/versions/{second.pk}/"
    assert client.get(url).status_code == 200
    reset_queries()
    with CaptureQueriesContext(connection) as page_queries:
        response = client.get(url)
    book_page_ms = _median_ms(lambda: client.get(url))
    diff_url = f"/standards/versions/{first.pk}/diff/{second.pk}/"
    diff_page_ms = _median_ms(lambda: client.get(diff_url), runs=3)

    figures = {
        "requirements": REQUIREMENTS,
        "book_page_ms": round(book_page_ms, 1),
        "book_page_kb": round(len(response.content) / 1024, 1),
        "book_page_queries": len(page_queries),
        "diff_ms": round(diff_ms, 1),
        "diff_changes": changes,
        "diff_page_ms": round(diff_page_ms, 1),
        "copy_ms": round(copy_ms, 1),
        "copy_queries": len(copy_queries),
    }
    print(f"database: {connection.vendor}")
    print(
        f"book of {REQUIREMENTS} requirements in {STANDARDS} communication standards, {PRINCIPLES} principles, {APPEARANCE} appearance standards"
    )
    print(f"book page:     {figures['book_page_ms']} ms median of {RUNS} (target < {TARGETS_MS['book_page_ms']:.0f} ms), "
          f"{figures['book_page_kb']} KB, {figures['book_page_queries']} queries")  # fmt: skip
    print(
        f"diff:          {figures['diff_ms']} ms median of {RUNS} (target < {TARGETS_MS['diff_ms']:.0f} ms), {changes} requirement changes"
    )
    print(f"diff page:     {figures['diff_page_ms']} ms median of 3")
    print(
        f"copy to draft: {figures['copy_ms']} ms median of 3 (target < {TARGETS_MS['copy_ms']:.0f} ms), {figures['copy_queries']} queries"
    )
    missed = [name for name, target in TARGETS_MS.items() if float(figures[name]) >= target]
    for name in missed:
        print(f"MISSED: {name} = {figures[name]} (target < {TARGETS_MS[name]:.0f})")
    print("RESULT " + " ".join(f"{name}={value}" for name, value in figures.items()))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

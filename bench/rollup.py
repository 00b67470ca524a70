"""Benchmark: the compliance and NPS rollup at the issue's volumes, on PostgreSQL.

It fills a scratch PostgreSQL database (DATABASE_URL; emptied first, created when
missing) with a company of 2,000 employees in 100 departments, 50,000 audits holding
2,000,000 answers, and 500,000 NPS responses over the last 13 months (COPY for the
large tables), then times:

- full: the recompute of all 13 months as the nightly task runs it (every bucket,
  set-based ORM aggregates, upserts of the rows that differ), once on empty tables
  (every row written) and then as the nightly run finds it (figures already stored);
  the ratio and RESULT use the latter, and the first run is printed next to it;
- limit: one hand-written SQL statement computing the same figures for the same 13
  months (per employee and per department subtree: compliance, answers, audits,
  failures per requirement, NPS, NPS per step, detractors' problem tags), read by the
  client and not stored: what the database needs just to compute them;
- incremental: the recompute of the buckets one newly finalized audit marks stale
  (its observed employees, the department its steps count for and every department
  above it, for its month). The audit is visited in the middle of last month, a
  whole month of data (an audit of this month would find a month only begun).

The figure tables are vacuumed after the first full run, as autovacuum keeps them in
use (index-only scans need their visibility map).

It prints the three timings and the ratio full / limit, then one line
`RESULT full_ms=... limit_ms=... ratio=... incremental_ms=...`.
Targets: ratio <= 1.5 and incremental < 50 ms; exits 1 when one is missed, 2 without
PostgreSQL. `--scale 0.1` runs a tenth of the volumes (every count scaled).
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import random
import secrets
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Timed as production runs it: with DEBUG off Django keeps no copy of every query.
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

RATIO_TARGET = 1.5
INCREMENTAL_TARGET_MS = 50.0
SEED = 20260301
STEPS = 8
REQUIREMENTS_PER_STEP = 25
INCREMENTAL_RUNS = 11
FIGURE_TABLES = (
    "scorecards_bucket", "scorecards_employeemonth", "scorecards_departmentmonth",
    "scorecards_employeerequirementmonth", "scorecards_departmentrequirementmonth",
    "scorecards_departmentstepmonth", "scorecards_departmenttagmonth",
    "scorecards_departmentaudit", "scorecards_departmentlineage",
)  # fmt: skip


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--employees", type=int, default=2_000)
    parser.add_argument("--departments", type=int, default=100)
    parser.add_argument("--audits", type=int, default=50_000)
    parser.add_argument("--answers", type=int, default=2_000_000)
    parser.add_argument("--responses", type=int, default=500_000)
    parser.add_argument("--scale", type=float, default=1.0, help="Multiply every count.")
    parser.add_argument("--runs", type=int, default=2, help="Timed runs of each (best is kept).")
    parser.add_argument(
        "--incremental-only",
        action="store_true",
        help="Time only the incremental recompute, on the company an earlier run left.",
    )
    return parser.parse_args()


ARGS = _arguments()
database_url = os.environ.get("DATABASE_URL", "")
if not database_url.startswith(("postgres://", "postgresql://")):
    print(
        "bench/rollup.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/scratch_db "
        "(a scratch database; it is emptied)."
    )
    sys.exit(2)


def _ensure_database(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


_ensure_database(database_url)

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from audits import scoring  # noqa: E402
from audits.models import Audit, AuditItem, AuditStatus, AuditStep, ChecklistTemplate  # noqa: E402
from journeys.models import Channel, Journey, Stage, Step  # noqa: E402
from nps.models import ProblemTag, Survey  # noqa: E402
from roles.models import Department, Employee, Gender, Position  # noqa: E402
from scorecards import services  # noqa: E402
from scorecards.models import Bucket  # noqa: E402
from scorecards.months import HISTORY_MONTHS, month_bounds, recent_months  # noqa: E402
from standards.models import Book, BookVersion, CommunicationStandard, Requirement  # noqa: E402


def scaled(count: int) -> int:
    return max(1, int(count * ARGS.scale))


SIZES = {
    "employees": scaled(ARGS.employees),
    "departments": max(3, scaled(ARGS.departments)),
    "audits": scaled(ARGS.audits),
    "answers": scaled(ARGS.answers),
    "responses": scaled(ARGS.responses),
}


def _copy(table: str, columns: list[str], rows: Any) -> int:
    """COPY rows (tuples) into a table as text, in chunks of a few megabytes."""
    quoted = ", ".join(f'"{column}"' for column in columns)
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's cursor
        with raw.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            buffer = io.StringIO()
            for row in rows:
                buffer.write("\t".join(r"\N" if value is None else str(value) for value in row))
                buffer.write("\n")
                count += 1
                if buffer.tell() > 4_000_000:
                    copy.write(buffer.getvalue())
                    buffer = io.StringIO()
            copy.write(buffer.getvalue())
    return count


def _reset_sequences(*tables: str) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
            )


def _empty() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE scorecards_bucket, scorecards_employeemonth, scorecards_departmentmonth, "
            "scorecards_employeerequirementmonth, scorecards_departmentrequirementmonth, "
            "scorecards_departmentstepmonth, scorecards_departmenttagmonth, "
            "scorecards_departmentlineage, scorecards_recomputerun, scorecards_band, "
            "scorecards_bandset, nps_responsetag, nps_response, nps_survey, nps_problemtag, "
            "audits_audititem, audits_auditstep, audits_audit, audits_templateitem, "
            "audits_templatestep, audits_checklisttemplate, standards_requirement, "
            "standards_communicationstandard, standards_bookversion, standards_book, "
            "journeys_step, journeys_stage, journeys_journey, roles_employee, roles_department, "
            "roles_position, roles_activity CASCADE"
        )


def _departments(count: int) -> tuple[Department, list[Department]]:
    root = Department.objects.create(name="Bench company")
    root.path = f"{root.pk}/"
    root.save(update_fields=["path"])
    regions_count = max(1, round((count - 1) / 11))
    regions = []
    for index in range(regions_count):
        region = Department.objects.create(name=f"Region {index + 1}", parent=root)
        region.path = f"{root.path}{region.pk}/"
        region.save(update_fields=["path"])
        regions.append(region)
    branches = []
    for index in range(count - 1 - regions_count):
        region = regions[index % regions_count]
        branch = Department.objects.create(name=f"Branch {index + 1}", parent=region)
        branch.path = f"{region.path}{branch.pk}/"
        branch.save(update_fields=["path"])
        branches.append(branch)
    return root, branches or regions


def _local_instant(rng: random.Random, months: list[datetime.date]) -> datetime.datetime:
    month = rng.choice(months)
    start, end = month_bounds(month)
    now = timezone.now()
    end = min(end, now)
    span = max((end - start).total_seconds(), 1)
    return (start + datetime.timedelta(seconds=rng.random() * span)).astimezone(datetime.UTC)


def generate() -> dict[str, Any]:
    rng = random.Random(SEED)
    months = recent_months(HISTORY_MONTHS)
    started = time.perf_counter()
    _empty()
    positions = [
        Position.objects.create(name=name)
        for name in ("Salesperson", "Receptionist", "Service adviser", "Cashier", "Delivery")
    ]
    root, branches = _departments(SIZES["departments"])
    Employee.objects.bulk_create(
        [
            Employee(
                personnel_number=f"B-{index:06d}",
                full_name=f"Employee {index}",
                department=branches[index % len(branches)],
                position=positions[index % len(positions)],
                gender=Gender.FEMALE if index % 2 else Gender.MALE,
            )
            for index in range(SIZES["employees"])
        ],
        batch_size=2000,
    )
    employees_by_branch: dict[int, list[int]] = {}
    department_of: dict[int, int] = {}
    for pk, department_id in Employee.objects.values_list("pk", "department_id"):
        employees_by_branch.setdefault(department_id, []).append(pk)
        department_of[pk] = department_id
    all_employees = [pk for pks in employees_by_branch.values() for pk in pks]

    journey = Journey.objects.create(name="Buying a car")
    stage = Stage.objects.create(journey=journey, name="Visit", order=1)
    steps = [
        Step.objects.create(
            stage=stage,
            name=f"Step {index + 1}",
            channel=Channel.IN_PERSON,
            responsible_position=positions[index % len(positions)],
            order=index + 1,
        )
        for index in range(STEPS)
    ]
    book = Book.objects.create(name="Bench book")
    version = BookVersion.objects.create(book=book, number=1)
    requirements: list[list[tuple[int, int, bool]]] = []
    for step in steps:
        standard = CommunicationStandard.objects.create(
            version=version, position=step.responsible_position, step=step
        )
        created = Requirement.objects.bulk_create(
            [
                Requirement(
                    version=version,
                    communication_standard=standard,
                    text=f"{step.name}: requirement {index + 1}",
                    kind="do",
                    weight=rng.randint(1, 3),
                    critical=rng.random() < 0.1,
                    order=index,
                )
                for index in range(REQUIREMENTS_PER_STEP)
            ]
        )
        requirements.append([(r.pk, r.weight, r.critical) for r in created])
    auditor = get_user_model().objects.create(username=f"bench-auditor-{uuid.uuid4().hex[:6]}")
    template = ChecklistTemplate.objects.create(name="Bench", journey=journey, version=version)

    # Audits, their steps and answers.
    items_per_audit = max(1, SIZES["answers"] // SIZES["audits"])
    items_per_step = max(1, min(REQUIREMENTS_PER_STEP, -(-items_per_audit // STEPS)))
    audits, audit_steps, audit_items = [], [], []
    step_id = item_id = 0
    # Audits are created in the order of their visits, as they are in use.
    visits = sorted(_local_instant(rng, months) for _ in range(SIZES["audits"]))
    for audit_id, visited in enumerate(visits, start=1):
        branch = rng.choice(branches)
        local_staff = employees_by_branch.get(branch.pk) or all_employees
        final = rng.random() < 0.96
        earned_total = applicable_total = 0
        remaining = items_per_audit
        for order, place in enumerate(requirements, start=1):
            if remaining <= 0:
                break
            step_id += 1
            chance = rng.random()
            employee = (
                None
                if chance < 0.08
                else rng.choice(all_employees)
                if chance < 0.12
                else rng.choice(local_staff)
            )
            earned = applicable = answered = failed = 0
            critical_failed = False
            for index, (requirement_id, weight, critical) in enumerate(
                rng.sample(place, min(items_per_step, remaining))
            ):
                item_id += 1
                roll = rng.random()
                answer = "yes" if roll < 0.8 else "no" if roll < 0.92 else "na"
                if answer != "na":
                    applicable += weight
                    answered += 1
                    if answer == "yes":
                        earned += weight
                    else:
                        failed += 1
                        critical_failed = critical_failed or critical
                audit_items.append(
                    (
                        item_id,
                        index,
                        answer,
                        "",
                        visited.isoformat(),
                        audit_id,
                        requirement_id,
                        step_id,
                    )
                )
                remaining -= 1
            if critical_failed:
                earned = 0
            earned_total += earned
            applicable_total += applicable
            audit_steps.append(
                (step_id, steps[order - 1].name, order, employee is None, earned, applicable,
                 critical_failed, audit_id, employee, positions[(order - 1) % len(positions)].pk,
                 None, steps[order - 1].pk,
                 department_of[employee] if employee is not None else branch.pk,
                 answered, failed)
            )  # fmt: skip
        score = None if not applicable_total else round(earned_total * 100 / applicable_total, 2)
        day = timezone.localtime(visited).date()
        audits.append(
            (audit_id, day, day, "", AuditStatus.FINAL if final else AuditStatus.SUBMITTED,
             visited.isoformat(), Channel.IN_PERSON, uuid.uuid4(), "", visited.isoformat(),
             (visited + datetime.timedelta(days=1)).isoformat() if final else None,
             earned_total, applicable_total, score, visited.isoformat(), visited.isoformat(),
             auditor.pk, branch.pk, version.pk, template.pk)
        )  # fmt: skip
    _copy(
        "audits_audit",
        ["id", "window_start", "window_end", "notes", "status", "visited_at", "channel",
         "client_id", "submitted_digest", "submitted_at", "finalized_at", "earned", "applicable",
         "score", "created_at", "updated_at", "auditor_id", "department_id", "version_id",
         "template_id"],
        audits,
    )  # fmt: skip
    _copy(
        "audits_auditstep",
        ["id", "title", "order", "employee_unidentified", "earned", "applicable",
         "critical_failed", "audit_id", "employee_id", "position_id", "situation_id", "step_id",
         "department_id", "answers", "failed_answers"],
        audit_steps,
    )  # fmt: skip
    _copy(
        "audits_audititem",
        ["id", "order", "answer", "comment", "answered_at", "audit_id", "requirement_id",
         "audit_step_id"],
        audit_items,
    )  # fmt: skip
    del audits, audit_steps, audit_items

    # NPS responses and the detractors' problem tags.
    survey = Survey.objects.create(name="Bench survey", department=root)
    tags = [ProblemTag.objects.create(name=f"Problem {index + 1}") for index in range(8)]
    responses, links = [], []
    link_id = 0
    answered = sorted(_local_instant(rng, months) for _ in range(SIZES["responses"]))
    for response_id, moment in enumerate(answered, start=1):
        employee = rng.choice(all_employees) if rng.random() < 0.7 else None
        department = department_of[employee] if employee else rng.choice(branches).pk
        step = rng.choice(steps).pk if rng.random() < 0.8 else None
        score = min(10, max(0, int(rng.gauss(7.8, 2.2))))
        at = moment.isoformat()
        responses.append(
            (response_id, score, "", "", "", False, "", "link", None, at, None, "", "", None, at,
             department, employee, None, None, step, survey.pk)
        )  # fmt: skip
        if score <= 6 and rng.random() < 0.5:
            for tag in rng.sample(tags, rng.randint(1, 2)):
                link_id += 1
                links.append((link_id, at, response_id, tag.pk, None))
    _copy(
        "nps_response",
        ["id", "score", "comment", "contact_name", "contact", "contact_consent", "language",
         "source", "external_id", "submitted_at", "comment_updated_at", "follow_up_status",
         "follow_up_note", "follow_up_at", "updated_at", "department_id", "employee_id",
         "follow_up_by_id", "invitation_id", "step_id", "survey_id"],
        responses,
    )  # fmt: skip
    _copy("nps_responsetag", ["id", "tagged_at", "response_id", "tag_id", "tagged_by_id"], links)
    _reset_sequences(
        "audits_audit", "audits_auditstep", "audits_audititem", "nps_response", "nps_responsetag"
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {
        "seconds": time.perf_counter() - started,
        "items": item_id,
        "steps": step_id,
        "responses": len(responses),
        "tags": link_id,
        "template": template,
        "version": version,
        "auditor": auditor,
        "steps_rows": steps,
        "positions": positions,
        "requirements": requirements,
        "branches": branches,
        "employees_by_branch": employees_by_branch,
    }


def existing() -> dict[str, Any]:
    """What generate() returns, read back from the company an earlier run left."""
    template = ChecklistTemplate.objects.select_related("version").get(name="Bench")
    steps = list(Step.objects.filter(stage__journey=template.journey).order_by("order"))
    requirements = [
        list(
            Requirement.objects.filter(communication_standard__step=step)
            .order_by("order")
            .values_list("pk", "weight", "critical")
        )
        for step in steps
    ]
    employees_by_branch: dict[int, list[int]] = {}
    for pk, department_id in Employee.objects.values_list("pk", "department_id").order_by("pk"):
        employees_by_branch.setdefault(department_id, []).append(pk)
    return {
        "template": template,
        "version": template.version,
        "auditor": Audit.objects.filter(template=template).earliest("pk").auditor,
        "steps_rows": steps,
        "positions": list(Position.objects.order_by("pk")),
        "requirements": requirements,
        "branches": list(Department.objects.filter(pk__in=employees_by_branch).order_by("pk")),
        "employees_by_branch": employees_by_branch,
    }


# The practical limit: one statement computing the same figures ---------------------------------

LIMIT_SQL = """
WITH months AS (
    SELECT %(start)s::timestamptz AS first_instant, %(end)s::timestamptz AS end_instant
),
lineage AS (
    SELECT d.id AS department_id, a.id AS ancestor_id
    FROM roles_department d JOIN roles_department a ON d.path LIKE a.path || '%%'
),
steps AS (
    SELECT s.id, s.audit_id, s.employee_id, s.earned, s.applicable, s.critical_failed,
           s.department_id AS attributed_department,
           date_trunc('month', a.visited_at AT TIME ZONE %(zone)s) AS month
    FROM audits_auditstep s
    JOIN audits_audit a ON a.id = s.audit_id
    CROSS JOIN months
    WHERE a.status = 'final' AND a.visited_at >= months.first_instant
      AND a.visited_at < months.end_instant
),
items AS (
    SELECT i.requirement_id, i.answer, st.employee_id, st.attributed_department, st.month
    FROM audits_audititem i JOIN steps st ON st.id = i.audit_step_id
    WHERE i.answer IN ('yes', 'no')
),
responses AS (
    SELECT r.id, r.score, r.employee_id, r.department_id, r.step_id,
           date_trunc('month', r.submitted_at AT TIME ZONE %(zone)s) AS month
    FROM nps_response r CROSS JOIN months
    WHERE r.submitted_at >= months.first_instant AND r.submitted_at < months.end_instant
)
SELECT 'employee_compliance', employee_id, NULL::bigint, month, SUM(earned), SUM(applicable),
       COUNT(*), COUNT(*) FILTER (WHERE critical_failed), COUNT(DISTINCT audit_id)
FROM steps WHERE employee_id IS NOT NULL GROUP BY employee_id, month
UNION ALL
SELECT 'employee_answers', employee_id, NULL, month, COUNT(*), COUNT(*) FILTER (WHERE answer = 'no'),
       NULL, NULL, NULL
FROM items WHERE employee_id IS NOT NULL GROUP BY employee_id, month
UNION ALL
SELECT 'employee_requirements', employee_id, requirement_id, month, COUNT(*),
       COUNT(*) FILTER (WHERE answer = 'no'), NULL, NULL, NULL
FROM items WHERE employee_id IS NOT NULL GROUP BY employee_id, requirement_id, month
HAVING COUNT(*) FILTER (WHERE answer = 'no') > 0
UNION ALL
SELECT 'employee_nps', employee_id, NULL, month, COUNT(*) FILTER (WHERE score >= 9),
       COUNT(*) FILTER (WHERE score BETWEEN 7 AND 8), COUNT(*) FILTER (WHERE score <= 6), NULL, NULL
FROM responses WHERE employee_id IS NOT NULL GROUP BY employee_id, month
UNION ALL
SELECT 'department_compliance', l.ancestor_id, NULL, st.month, SUM(st.earned), SUM(st.applicable),
       COUNT(*), COUNT(*) FILTER (WHERE st.critical_failed), COUNT(DISTINCT st.audit_id)
FROM steps st JOIN lineage l ON l.department_id = st.attributed_department
GROUP BY l.ancestor_id, st.month
UNION ALL
SELECT 'department_answers', l.ancestor_id, NULL, it.month, COUNT(*),
       COUNT(*) FILTER (WHERE it.answer = 'no'), NULL, NULL, NULL
FROM items it JOIN lineage l ON l.department_id = it.attributed_department
GROUP BY l.ancestor_id, it.month
UNION ALL
SELECT 'department_requirements', l.ancestor_id, it.requirement_id, it.month, COUNT(*),
       COUNT(*) FILTER (WHERE it.answer = 'no'), NULL, NULL, NULL
FROM items it JOIN lineage l ON l.department_id = it.attributed_department
GROUP BY l.ancestor_id, it.requirement_id, it.month
HAVING COUNT(*) FILTER (WHERE it.answer = 'no') > 0
UNION ALL
SELECT 'department_nps', l.ancestor_id, NULL, r.month, COUNT(*) FILTER (WHERE r.score >= 9),
       COUNT(*) FILTER (WHERE r.score BETWEEN 7 AND 8), COUNT(*) FILTER (WHERE r.score <= 6), NULL, NULL
FROM responses r JOIN lineage l ON l.department_id = r.department_id
GROUP BY l.ancestor_id, r.month
UNION ALL
SELECT 'department_steps', l.ancestor_id, r.step_id, r.month, COUNT(*) FILTER (WHERE r.score >= 9),
       COUNT(*) FILTER (WHERE r.score BETWEEN 7 AND 8), COUNT(*) FILTER (WHERE r.score <= 6), NULL, NULL
FROM responses r JOIN lineage l ON l.department_id = r.department_id
WHERE r.step_id IS NOT NULL GROUP BY l.ancestor_id, r.step_id, r.month
UNION ALL
SELECT 'department_tags', l.ancestor_id, t.tag_id, r.month, COUNT(*), NULL, NULL, NULL, NULL
FROM nps_responsetag t JOIN responses r ON r.id = t.response_id
JOIN lineage l ON l.department_id = r.department_id
WHERE r.score <= 6 GROUP BY l.ancestor_id, t.tag_id, r.month
"""


def run_limit() -> int:
    months = recent_months(HISTORY_MONTHS)
    start, _ = month_bounds(months[0])
    _, end = month_bounds(months[-1])
    from django.conf import settings

    with connection.cursor() as cursor:
        cursor.execute(LIMIT_SQL, {"start": start, "end": end, "zone": settings.TIME_ZONE})
        return len(cursor.fetchall())


def run_full() -> services.RecomputeOutcome:
    return services.months_recompute(months=recent_months(HISTORY_MONTHS))


def one_new_audit(data: dict[str, Any], rng: random.Random) -> Audit:
    """A final audit of a branch, visited in the middle of last month, written the way
    the audit service writes."""
    branch = rng.choice(data["branches"])
    staff = data["employees_by_branch"][branch.pk]
    last_month = recent_months(2)[0]
    start, end = month_bounds(last_month)
    now = start + (end - start) / 2
    audit = Audit.objects.create(
        template=data["template"], version=data["version"], department=branch,
        auditor=data["auditor"], window_start=now.date(), window_end=now.date(),
        status=AuditStatus.FINAL, visited_at=now, channel=Channel.IN_PERSON,
        client_id=uuid.uuid4(), submitted_at=now, finalized_at=now, earned=0, applicable=0,
    )  # fmt: skip
    for order, (step, place) in enumerate(
        zip(data["steps_rows"], data["requirements"], strict=True), start=1
    ):
        # Five requirements checked per step; the first step's first one answered "no".
        checked = place[:5]
        answers = ["no" if order == 1 and index == 0 else "yes" for index in range(len(checked))]
        figures = scoring.score_step(
            scoring.ItemAnswer(weight=weight, critical=critical, answer=answer)
            for (_pk, weight, critical), answer in zip(checked, answers, strict=True)
        )
        audit_step = AuditStep.objects.create(
            audit=audit, step=step, position=data["positions"][0], title=step.name, order=order,
            employee_id=rng.choice(staff), department=branch, earned=figures.earned,
            applicable=figures.applicable, critical_failed=figures.critical_failed,
            answers=len(checked), failed_answers=answers.count("no"),
        )  # fmt: skip
        AuditItem.objects.bulk_create(
            [
                AuditItem(
                    audit=audit,
                    audit_step=audit_step,
                    requirement_id=pk,
                    order=index,
                    answer=answer,
                )
                for index, ((pk, _weight, _critical), answer) in enumerate(
                    zip(checked, answers, strict=True)
                )
            ]
        )
    return audit


def run_incremental(data: dict[str, Any]) -> list[float]:
    rng = random.Random(SEED + 1)
    captured: list[services.BucketSet] = []
    original = services._enqueue_recompute
    services._enqueue_recompute = captured.append  # type: ignore[assignment]
    timings = []
    try:
        for _ in range(INCREMENTAL_RUNS):
            with transaction.atomic():
                audit = one_new_audit(data, rng)
                steps = audit.steps.values_list("employee_id", "department_id")
                services.buckets_mark_stale(
                    months=[audit.visit_month],
                    employee_ids=sorted({employee for employee, _ in steps if employee}),
                    department_ids=sorted({department for _, department in steps}),
                )
            bucket_set = captured.pop()
            started = time.perf_counter()
            outcome = services.buckets_recompute(
                month=bucket_set.month,
                employee_ids=list(bucket_set.employee_ids),
                own_department_ids=list(bucket_set.own_department_ids),
                department_ids=list(bucket_set.department_ids),
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert outcome.written == (
                len(bucket_set.employee_ids)
                + len(bucket_set.own_department_ids)
                + len(bucket_set.department_ids)
            )
    finally:
        services._enqueue_recompute = original  # type: ignore[assignment]
    return timings


def _timed(function: Any) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return (time.perf_counter() - started) * 1000, result


def main() -> int:
    call_command("migrate", verbosity=0)
    if ARGS.incremental_only:
        timings = run_incremental(existing())
        incremental_ms = statistics.median(timings)
        print(
            f"incremental recompute after one audit: {incremental_ms:.1f} ms median of "
            f"{len(timings)} (all: {', '.join(f'{t:.1f}' for t in timings)})"
        )
        print(f"RESULT incremental_ms={incremental_ms:.1f}")
        return 0 if incremental_ms < INCREMENTAL_TARGET_MS else 1
    print(
        f"Volumes: {SIZES['employees']:,} employees, {SIZES['departments']:,} departments, "
        f"{SIZES['audits']:,} audits, {SIZES['answers']:,} answers, "
        f"{SIZES['responses']:,} NPS responses, over {HISTORY_MONTHS} months"
    )
    data = generate()
    print(
        f"Generated in {data['seconds']:.1f} s: {data['steps']:,} audit steps, "
        f"{data['items']:,} answers, {data['responses']:,} responses, {data['tags']:,} tags"
    )
    first_ms, first = _timed(run_full)
    print(
        f"full recompute of {HISTORY_MONTHS} months, first run (empty tables, every row "
        f"written): {first_ms:,.0f} ms ({first.written:,} buckets, {first.rows:,} rows written)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (ANALYZE) {', '.join(FIGURE_TABLES)}")
    full_ms = float("inf")
    for _ in range(ARGS.runs):
        elapsed, outcome = _timed(run_full)
        full_ms = min(full_ms, elapsed)
    print(
        f"full recompute of {HISTORY_MONTHS} months, as the nightly run finds it (figures "
        f"stored, rows compared, {outcome.rows:,} written): {full_ms:,.0f} ms"
    )
    limit_ms = float("inf")
    for _ in range(ARGS.runs):
        elapsed, rows = _timed(run_limit)
        limit_ms = min(limit_ms, elapsed)
    print(
        f"hand-written SQL aggregate (same figures, not stored): {limit_ms:,.0f} ms ({rows:,} rows)"
    )
    ratio = full_ms / limit_ms
    print(f"ratio first run / limit: {first_ms / limit_ms:.2f}")
    print(f"ratio full / limit: {ratio:.2f} (target <= {RATIO_TARGET})")
    timings = run_incremental(data)
    incremental_ms = statistics.median(timings)
    print(
        f"incremental recompute after one audit: {incremental_ms:.1f} ms median of "
        f"{len(timings)} (all: {', '.join(f'{t:.1f}' for t in timings)}; target < "
        f"{INCREMENTAL_TARGET_MS:.0f} ms)"
    )
    assert not Bucket.objects.filter(computed_generation__isnull=True).exists()
    print(
        f"RESULT full_ms={full_ms:.0f} limit_ms={limit_ms:.0f} ratio={ratio:.2f} "
        f"incremental_ms={incremental_ms:.1f} full_first_ms={first_ms:.0f}"
    )
    return 0 if ratio <= RATIO_TARGET and incremental_ms < INCREMENTAL_TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())

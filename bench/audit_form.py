"""Benchmark: the auditor's phone form.

Loads the demo company with its standards book and demo audits, then measures the
form page of the demo scenario (26 items in 6 steps) and of a large scenario (every
auditable requirement of the demo journey):
- the bytes the page makes a phone download: the HTML plus every stylesheet and
  script it links, as sent (uncompressed) and gzip-compressed (what WhiteNoise
  serves for static files in production);
- the time to render the form, to save one answer, and to submit.

Works in a database of its own: DATABASE_URL if set (a scratch database; it is
emptied first), otherwise a temporary SQLite file. Prints one line per figure and
ends with one `RESULT name=value ...` line; exits non-zero when a target is missed.
"""

from __future__ import annotations

import gzip
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_scratch = tempfile.TemporaryDirectory(prefix="bench-audit-form-")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{_scratch.name}/bench.sqlite3")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.staticfiles import finders  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from audits import services  # noqa: E402
from audits.demo import load_demo_audits  # noqa: E402
from audits.models import Audit, AuditStatus  # noqa: E402
from audits.selectors import journey_places  # noqa: E402
from journeys.demo import load_demo_journey  # noqa: E402
from roles.demo import load_demo_organisation  # noqa: E402
from standards.demo import load_demo_book  # noqa: E402

RUNS = 5
PAGE_BUDGET_BYTES = 200_000
TARGETS_MS = {"render_ms": 500.0, "answer_ms": 150.0, "submit_ms": 1000.0}
_ASSET = re.compile(r'(?:href|src)="(/?' + re.escape(settings.STATIC_URL.strip("/")) + r'/[^"]+)"')


def _median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def page_bytes(html: bytes) -> dict[str, int]:
    """The HTML and the stylesheets and scripts it links (not images or icons)."""
    sizes = {"html": len(html), "css": 0, "js": 0}
    compressed = len(html)  # the HTML itself is sent as it is
    for url in _ASSET.findall(html.decode("utf-8")):
        path = url.lstrip("/")[len(settings.STATIC_URL.strip("/")) + 1 :]
        if not path.endswith((".css", ".js")):
            continue
        found = finders.find(path)
        assert found, f"static file not found: {path}"
        content = Path(found).read_bytes()
        sizes["css" if path.endswith(".css") else "js"] += len(content)
        compressed += len(gzip.compress(content, compresslevel=9))
    sizes["total"] = sizes["html"] + sizes["css"] + sizes["js"]
    sizes["total_gzip_static"] = compressed
    return sizes


def main() -> int:
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    organisation = load_demo_organisation()
    journey = load_demo_journey(organisation)
    load_demo_book(organisation.departments["root"])
    template = load_demo_audits(organisation)
    if template is None:
        print("The demo audits could not be loaded (no published book?).")
        return 1
    auditor = Audit.objects.filter(template=template).first().auditor  # type: ignore[union-attr]
    manager = organisation.employees["A-001"].user
    client = Client()
    client.force_login(auditor)

    demo_audit = Audit.objects.filter(template=template, status=AuditStatus.ASSIGNED).first()
    assert demo_audit is not None
    url = f"/audits/{demo_audit.pk}/fill/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    demo = page_bytes(response.content)
    render_ms = _median_ms(lambda: client.get(url))

    # A large scenario: every place of the journey that has something to check.
    version = template.version
    keys = [place.key for place in journey_places(journey, version) if place.requirements]
    large = services.template_create(
        actor=manager, name="Bench: the whole journey", journey=journey, version=version,
        place_keys=keys,
    )  # fmt: skip
    large_audit = services.audit_assign(
        actor=manager, template=large, department=organisation.departments["root"],
        auditor=auditor, window_start=demo_audit.window_start, window_end=demo_audit.window_end,
    )  # fmt: skip
    large_url = f"/audits/{large_audit.pk}/fill/"
    large_response = client.get(large_url)
    large_sizes = page_bytes(large_response.content)
    large_render_ms = _median_ms(lambda: client.get(large_url))

    items = list(demo_audit.items.order_by("audit_step__order", "order"))
    answer_url = f"/audits/{demo_audit.pk}/items/{items[0].pk}/"
    cycle = iter(["yes", "no", "na"] * RUNS)
    answer_ms = _median_ms(lambda: client.post(answer_url, {f"answer-{items[0].pk}": next(cycle)}))

    payload = {"client_id": str(uuid.uuid4()), "visited_at": "2026-01-15T12:00", "channel": "phone"}
    for item in items:
        payload[f"answer-{item.pk}"] = "yes"
    for step in demo_audit.steps.all():
        payload[f"employee-{step.pk}"] = "unidentified"
    started = time.perf_counter()
    submitted = client.post(f"/audits/{demo_audit.pk}/submit/", payload)
    submit_ms = (time.perf_counter() - started) * 1000
    assert submitted.status_code == 302, submitted.status_code
    repeat_ms = _median_ms(lambda: client.post(f"/audits/{demo_audit.pk}/submit/", payload))

    figures = {
        "demo_items": len(items),
        "demo_html_bytes": demo["html"],
        "demo_css_bytes": demo["css"],
        "demo_js_bytes": demo["js"],
        "demo_page_bytes": demo["total"],
        "demo_page_gzip_static_bytes": demo["total_gzip_static"],
        "large_items": large_audit.items.count(),
        "large_page_bytes": large_sizes["total"],
        "large_html_bytes": large_sizes["html"],
        "render_ms": round(render_ms, 1),
        "large_render_ms": round(large_render_ms, 1),
        "answer_ms": round(answer_ms, 1),
        "submit_ms": round(submit_ms, 1),
        "repeat_submit_ms": round(repeat_ms, 1),
    }
    print(f"database: {django.db.connection.vendor}")
    print(
        f"demo scenario: {figures['demo_items']} items; large scenario: {figures['large_items']} items"
    )
    print(f"form page (demo):  {demo['total']} bytes = HTML {demo['html']} + CSS {demo['css']} + JS {demo['js']} "
          f"(target < {PAGE_BUDGET_BYTES}); {demo['total_gzip_static']} bytes with static files gzipped")  # fmt: skip
    print(f"form page (large): {large_sizes['total']} bytes, HTML {large_sizes['html']}")
    print(f"render form:       {figures['render_ms']} ms median of {RUNS} (target < {TARGETS_MS['render_ms']:.0f} ms); large {figures['large_render_ms']} ms")  # fmt: skip
    print(f"save one answer:   {figures['answer_ms']} ms median of {RUNS} (target < {TARGETS_MS['answer_ms']:.0f} ms)")  # fmt: skip
    print(f"submit:            {figures['submit_ms']} ms (target < {TARGETS_MS['submit_ms']:.0f} ms); repeated submit {figures['repeat_submit_ms']} ms")  # fmt: skip
    missed = [name for name, target in TARGETS_MS.items() if float(figures[name]) >= target]
    if demo["total"] >= PAGE_BUDGET_BYTES:
        missed.append("demo_page_bytes")
    for name in missed:
        print(f"MISSED: {name} = {figures[name]}")
    print("RESULT " + " ".join(f"{name}={value}" for name, value in figures.items()))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

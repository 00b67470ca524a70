"""Benchmark: the API's streamed CSV export of 1,000,000 NPS responses against COPY.

On PostgreSQL (DATABASE_URL, a scratch database: it is emptied first, and created when
missing) it inserts 1,000,000 responses, serves the project with gunicorn and reads
GET /api/v1/nps/responses/export.csv through HTTP, and runs `COPY (SELECT ...) TO
STDOUT` of the same rows with psycopg in the same run. It prints rows/s for both,
their ratio and the web worker's peak memory (VmHWM), then one `RESULT` line.

Targets: the export reaches at least half of COPY's rows/s, and the worker's peak
memory stays under 150 MB. Exits 1 when a target is missed, 2 without PostgreSQL.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "1000000"))
RATIO_TARGET = 0.5
MEMORY_TARGET_MB = 150.0
RUNS = 2
READ_BYTES = 1024 * 1024

database_url = os.environ.get("DATABASE_URL", "")
if not database_url.startswith(("postgres://", "postgresql://")):
    print(
        "bench/export.py needs PostgreSQL: set DATABASE_URL=postgres://user@host:5432/scratch_db "
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
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from journeys.models import Channel, Journey, Stage, Step  # noqa: E402
from nps import exports  # noqa: E402
from nps.models import ProblemTag, Response, Survey  # noqa: E402
from roles.api_auth import api_token_create  # noqa: E402
from roles.models import Department, Employee, Gender, Position, ProgramRole  # noqa: E402


def _department(name: str, parent: Department | None) -> Department:
    department = Department.objects.create(name=name, parent=parent)
    department.path = f"{parent.path if parent else ''}{department.pk}/"
    department.save(update_fields=["path"])
    return department


def build() -> str:
    """Empty the database, fill it with ROWS responses, return an API key to read them."""
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)  # the flush emptied the role groups too
    if not Group.objects.filter(name=ProgramRole.API_CLIENT).exists():
        for role in ProgramRole.values:
            Group.objects.get_or_create(name=role)
    root = _department("Автосалон", None)
    departments = [_department(name, root) for name in ("Продажи", "Сервис", "Ресепшн")]
    position = Position.objects.create(name="Менеджер")
    employees = Employee.objects.bulk_create(
        Employee(
            personnel_number=f"B-{number:03d}",
            full_name=f"Сотрудник {number}",
            department=departments[number % 3],
            position=position,
            gender=Gender.FEMALE,
        )
        for number in range(30)
    )
    stage = Stage.objects.create(journey=Journey.objects.create(name="Покупка"), name="Сделка")
    step = Step.objects.create(
        stage=stage, name="Выдача", channel=Channel.IN_PERSON, responsible_position=position
    )
    surveys = [
        Survey.objects.create(name=f"Опрос {number}", department=departments[number], step=step)
        for number in range(3)
    ]
    tags = [ProblemTag.objects.create(name=f"Проблема {number}") for number in range(10)]

    comments = [
        "Ждал решения по скидке почти час, а в подарок дали коврики.",
        '=HYPERLINK("http://example.com","click")',
        "Всё отлично, менеджер обращался на «Вы».",
        "",
        "-минус: на «ты» и отмахнулись от вопросов",
        'Сказал "расслабься", неприятно; ответили, как есть',
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO nps_response (
                survey_id, department_id, employee_id, step_id, score, comment,
                contact_name, contact, contact_consent, language, source,
                submitted_at, follow_up_status, follow_up_note, updated_at
            )
            SELECT
                (%(surveys)s::bigint[])[1 + g %% 3],
                (%(departments)s::bigint[])[1 + g %% 3],
                CASE WHEN g %% 4 = 0 THEN NULL ELSE (%(employees)s::bigint[])[1 + g %% 30] END,
                %(step)s,
                (g * 7) %% 11,
                (%(comments)s::text[])[1 + g %% 6],
                '', '', false, 'ru', 'link',
                now() - (g %% 15552000) * interval '1 second',
                CASE WHEN (g * 7) %% 11 <= 6 THEN 'open' ELSE '' END,
                '',
                now()
            FROM generate_series(1, %(rows)s) AS g
            """,
            {
                "surveys": [survey.pk for survey in surveys],
                "departments": [survey.department_id for survey in surveys],
                "employees": [employee.pk for employee in employees],
                "step": step.pk,
                "comments": comments,
                "rows": ROWS,
            },
        )
        cursor.execute(
            """
            INSERT INTO nps_responsetag (response_id, tag_id, tagged_at)
            SELECT id, (%(tags)s::bigint[])[1 + id %% 10], now()
            FROM nps_response WHERE id %% 10 = 0
            """,
            {"tags": [tag.pk for tag in tags]},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"built {ROWS:,} responses in {time.perf_counter() - started:.1f} s")

    reader = get_user_model().objects.create_user("bench-reader")
    reader.groups.add(Group.objects.get(name=ProgramRole.API_CLIENT))
    admin = get_user_model().objects.create_superuser("bench-admin", "", "bench-admin-password")
    _token, key = api_token_create(
        actor=admin, name="bench", scopes=["read:responses"], user=reader
    )
    return key


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(port: int) -> subprocess.Popen[bytes]:
    environment = {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "600",
        ],
        cwd=ROOT,
        env=environment,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed_export(port: int, key: str) -> tuple[float, int]:
    """Seconds to read the whole CSV through HTTP, and its size in bytes."""
    started = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    client.request(
        "GET", "/api/v1/nps/responses/export.csv", headers={"Authorization": f"Bearer {key}"}
    )
    answer = client.getresponse()
    if answer.status != 200:
        raise SystemExit(f"export answered {answer.status}: {answer.read(500)!r}")
    size = 0
    while block := answer.read(READ_BYTES):
        size += len(block)
    client.close()
    return time.perf_counter() - started, size


def timed_copy() -> tuple[float, int]:
    """Seconds for COPY of the same SELECT read by psycopg, and its size in bytes."""
    statement = exports.copy_statement(Response.objects.all())
    started = time.perf_counter()
    size = 0
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for block in copy:
            size += len(block)
    return time.perf_counter() - started, size


def main() -> int:
    key = build()
    count = Response.objects.count()
    port = free_port()
    server = start_server(port)
    try:
        worker = worker_pid(server.pid)
        timed_copy()  # warm the database's caches for both sides
        export_times, copy_times = [], []
        export_size = copy_size = 0
        for _ in range(RUNS):
            seconds, export_size = timed_export(port, key)
            export_times.append(seconds)
            seconds, copy_size = timed_copy()
            copy_times.append(seconds)
        peak = peak_rss_mb(worker)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    header = len(exports.header_bytes())
    if export_size != copy_size + header:
        print(f"MISMATCH: export {export_size} bytes, COPY {copy_size} + header {header} bytes")
        return 1
    export_rate = count / min(export_times)
    copy_rate = count / min(copy_times)
    ratio = export_rate / copy_rate
    print(f"rows exported: {count:,} ({export_size / 1e6:.1f} MB of CSV)")
    print(f"COPY (SELECT ...) TO STDOUT: {copy_rate:,.0f} rows/s ({min(copy_times):.2f} s)")
    print(f"API export through HTTP:     {export_rate:,.0f} rows/s ({min(export_times):.2f} s)")
    print(f"ratio export/COPY: {ratio:.2f} (target >= {RATIO_TARGET})")
    print(f"web worker peak memory: {peak:.0f} MB (target < {MEMORY_TARGET_MB:.0f} MB)")
    ok = ratio >= RATIO_TARGET and peak < MEMORY_TARGET_MB
    print(
        f"RESULT rows={count} copy_rows_per_s={copy_rate:.0f} export_rows_per_s={export_rate:.0f} "
        f"ratio={ratio:.2f} peak_memory_mb={peak:.0f} ok={'yes' if ok else 'no'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

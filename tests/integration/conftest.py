"""Real services: PostgreSQL, a private Redis server and a real Celery worker process.

The suite runs only on PostgreSQL (set DATABASE_URL to a PostgreSQL database; the test
database is created next to it). It starts its own `redis-server` on a free port, with
no persistence, so stopping it disturbs nothing else on the machine, and a
`celery worker` process that reads and writes the pytest test database. Tests use
`integration_db` (a transactional database: the worker only sees committed rows) and
the `celery_worker` fixture, which also points this process's Celery app at the
private broker. `redis_server.stop()` / `celery_worker.stop()` simulate outages; the
next test gets both running again.

Without PostgreSQL or Redis the tests skip with a hint; in CI (CI set) on PostgreSQL a
missing piece is a failure. On a failure the worker and Redis logs are shown.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu.pools
import pytest
import redis
from django.db import connection

from tests.conftest import ensure_program_roles

ROOT = Path(__file__).resolve().parents[2]
INTEGRATION_DIR = Path(__file__).resolve().parent

WORKER_KEY = pytest.StashKey["CeleryWorker"]()
REDIS_KEY = pytest.StashKey["RedisServer"]()

POSTGRES_HINT = (
    "integration tests need PostgreSQL: set DATABASE_URL to a PostgreSQL database, "
    "e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/service_standards "
    "(the test database is created next to it)"
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def _unavailable(message: str) -> None:
    """Skip on a newcomer's machine; fail in CI, where the services must be there."""
    if _in_ci():
        pytest.fail(f"{message} (CI is set, so this is a failure, not a skip)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.2) -> bool:
    """Poll `condition` until it is true or `timeout` seconds pass; return its last value."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _stop_process(process: subprocess.Popen[bytes] | None, *, timeout: float) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def _log_tail(path: Path, *, offset: int = 0, limit: int = 20_000) -> str:
    if not path.exists():
        return "(no log yet)"
    with path.open("rb") as log:
        log.seek(offset)
        text = log.read().decode("utf-8", errors="replace")
    return text if len(text) <= limit else "...\n" + text[-limit:]


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


class RedisServer:
    """A private `redis-server` on a free port, without persistence."""

    def __init__(self, *, directory: Path) -> None:
        self.port = _free_port()
        self.directory = directory
        self.log_path = directory / "redis.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def ping(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def start(self, *, timeout: float = 15) -> None:
        if self.is_running:
            return
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    "redis-server",
                    "--port",
                    str(self.port),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        if not wait_until(self.ping, timeout=timeout):
            self.stop()
            raise RuntimeError(f"redis-server did not answer on port {self.port}:\n{self.log()}")

    def stop(self) -> None:
        _stop_process(self.process, timeout=10)

    def flush(self) -> None:
        redis.Redis(port=self.port, socket_timeout=2).flushall()

    def log(self) -> str:
        return _log_tail(self.log_path)


class CeleryWorker:
    """A real `celery -A config worker` process using the test database and private Redis."""

    def __init__(self, *, env: dict[str, str], log_path: Path) -> None:
        self.env = env
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        # Where the current test's part of the log begins.
        self.test_offset = 0

    @property
    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def begin_test(self) -> None:
        self.test_offset = _size(self.log_path)

    def start(self, *, timeout: float = 60) -> None:
        if self.is_running:
            return
        offset = _size(self.log_path)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--pool=solo",
                    "--concurrency=1",
                    "-l",
                    "info",
                    "--without-mingle",
                    "--without-gossip",
                    "--hostname",
                    f"integration-{os.getpid()}@%h",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def ready() -> bool:
            if not self.is_running:
                return True
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return b" ready." in log.read()

        if not wait_until(ready, timeout=timeout, interval=0.3) or not self.is_running:
            self.stop()
            raise RuntimeError(
                "the Celery worker did not start:\n" + _log_tail(self.log_path, offset=offset)
            )

    def stop(self) -> None:
        """Warm shutdown (SIGTERM): the task in hand finishes, then the process exits."""
        _stop_process(self.process, timeout=30)

    def log(self) -> str:
        """What the worker logged since the current test began."""
        return _log_tail(self.log_path, offset=self.test_offset)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.resolve().is_relative_to(INTEGRATION_DIR):
            item.add_marker(pytest.mark.integration)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.failed and item.get_closest_marker("integration"):
        worker = item.config.stash.get(WORKER_KEY, None)
        if worker is not None:
            report.sections.append(("Celery worker log (this test)", worker.log()))
        server = item.config.stash.get(REDIS_KEY, None)
        if server is not None:
            report.sections.append(("Redis log", server.log()))
    return report


@pytest.fixture(scope="session")
def integration_services() -> None:
    """Skip (or fail in CI) when the real services cannot be had."""
    if connection.vendor != "postgresql":
        # The SQLite run skips even in CI: CI runs the suite again on PostgreSQL.
        pytest.skip(POSTGRES_HINT)
    if shutil.which("redis-server") is None:
        _unavailable(
            "integration tests need the `redis-server` program: install Redis "
            "(Debian: apt-get install redis-server)"
        )


@pytest.fixture(scope="session")
def services_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("integration-services")


@pytest.fixture(scope="session")
def _redis_server_process(
    request: pytest.FixtureRequest, integration_services: None, services_dir: Path
) -> Iterator[RedisServer]:
    server = RedisServer(directory=services_dir)
    request.config.stash[REDIS_KEY] = server
    try:
        server.start()
    except RuntimeError as error:
        _unavailable(str(error))
    yield server
    server.stop()


def _database_url(settings_dict: dict[str, Any]) -> str:
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    name = quote(str(settings_dict["NAME"]), safe="")
    return f"postgres://{credentials}{host}:{port}/{name}"


@pytest.fixture(scope="session")
def _celery_worker_process(
    request: pytest.FixtureRequest,
    django_db_setup: None,
    _redis_server_process: RedisServer,
    services_dir: Path,
) -> Iterator[CeleryWorker]:
    """One worker process for the session. Depends on `django_db_setup`, so it is
    stopped before the test database is dropped."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # At this point the connection names the test database, not the real one.
            "DATABASE_URL": _database_url(connection.settings_dict),
            "CELERY_BROKER_URL": _redis_server_process.url,
            "REDIS_URL": _redis_server_process.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(services_dir / "media"),
            "PRIVATE_MEDIA_ROOT": str(services_dir / "private_media"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    worker = CeleryWorker(env=env, log_path=services_dir / "celery-worker.log")
    request.config.stash[WORKER_KEY] = worker
    try:
        worker.start()
    except RuntimeError as error:
        _unavailable(str(error))
    yield worker
    worker.stop()


@pytest.fixture
def integration_db(transactional_db: None) -> None:
    """A database whose writes are committed, so the worker process sees them.

    The tables are emptied after the test, the role groups the migrations create
    included, so they are recreated first. (serialized_rollback cannot do it: its
    reload collides with the content types that a flush's post_migrate recreates.)
    """
    ensure_program_roles()


@pytest.fixture
def redis_server(_redis_server_process: RedisServer) -> Iterator[RedisServer]:
    """The private Redis, running at the start of the test (a test may stop it)."""
    _redis_server_process.start()
    yield _redis_server_process
    _redis_server_process.start()


def _reset_connection_pools(app: Any) -> None:
    """Forget pooled broker connections, so the next publish uses the current broker_url.

    kombu keeps its pools in a process-wide registry: closing one pool would leave a
    closed pool there for the next test, so the registry is emptied instead.
    """
    kombu.pools.reset()
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(
    integration_db: None,
    redis_server: RedisServer,
    _celery_worker_process: CeleryWorker,
    settings: Any,
) -> Iterator[CeleryWorker]:
    """The worker, running at the start of the test (a test may stop and start it).

    Tasks sent from this process go through the private Redis to the worker.
    """
    from config.celery import app

    _celery_worker_process.begin_test()
    if not _celery_worker_process.is_running:
        # Messages a previous test left behind name rows that no longer exist.
        redis_server.flush()
        _celery_worker_process.start()

    saved = {key: app.conf[key] for key in ("broker_url", "task_always_eager")}
    settings.CELERY_BROKER_URL = redis_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_connection_pools(app)
    app.conf.update(broker_url=redis_server.url, task_always_eager=False)
    try:
        yield _celery_worker_process
    finally:
        _reset_connection_pools(app)
        app.conf.update(**saved)

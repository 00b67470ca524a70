"""docker-compose.yml describes the production shape; no Docker engine runs the tests,
so these read the file and check that everything it names exists in the project."""

from __future__ import annotations

import importlib
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from celery import Celery
from django.conf import settings
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def shell_commands(command: str | list[str]) -> list[list[str]]:
    """Every simple command a service runs, as argument lists (`sh -c "a && b"` is split)."""
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] == ["sh", "-c"]:
        return [shlex.split(part) for part in words[2].split("&&") if part.strip()]
    if words and words[0] in ("CMD", "CMD-SHELL"):
        if words[0] == "CMD-SHELL":
            return shell_commands(words[1])
        return [words[1:]]
    return [words]


def healthy_dependencies(service: dict[str, Any]) -> list[str]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return []
    return [
        name
        for name, condition in depends_on.items()
        if (condition or {}).get("condition") == "service_healthy"
    ]


def settings_variables() -> set[str]:
    source = (ROOT / "config" / "settings.py").read_text(encoding="utf-8")
    return set(re.findall(r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""", source))


def check_python_command(words: list[str]) -> None:
    """Check that what a `python ...`, `gunicorn ...` or `celery ...` command names exists."""
    program = Path(words[0]).name
    if program.startswith("python") and words[1] == "manage.py":
        assert (ROOT / "manage.py").exists()
        assert words[2] in get_commands(), f"manage.py has no command {words[2]!r}"
    elif program.startswith("python") and words[1] == "-c":
        compile(words[2], "<healthcheck>", "exec")
    elif program == "gunicorn":
        module_name, _, attribute = words[1].partition(":")
        module = importlib.import_module(module_name)
        assert callable(getattr(module, attribute or "application"))
        assert words[1] == settings.WSGI_APPLICATION.replace(".application", ":application")
    elif program == "celery":
        app_option = words.index("-A")
        app_module = words[app_option + 1]
        # `celery -A config` finds the app as config.celery.app, like Celery does.
        app = importlib.import_module(f"{app_module}.celery").app
        assert isinstance(app, Celery)
        assert isinstance(importlib.import_module(app_module).celery_app, Celery)
        assert words[app_option + 2] in {"worker", "beat", "inspect"}
    else:
        pytest.fail(f"unexpected command {words!r}")


def test_it_describes_the_production_services(services):
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    for name in APP_SERVICES:
        assert services[name]["build"] == "."


def test_every_service_is_health_checked_or_waits_for_healthy_ones(services):
    for name, service in services.items():
        dependencies = healthy_dependencies(service)
        assert "healthcheck" in service or dependencies, f"{name} has no health signal"
        for dependency in dependencies:
            assert "healthcheck" in services[dependency], f"{name} waits for {dependency}"


def test_app_services_wait_for_the_database_and_broker(services):
    for name in ("web", "worker"):
        assert {"postgres", "redis"} <= set(healthy_dependencies(services[name])), name
    # The worker and beat start after web has applied the migrations.
    assert "web" in healthy_dependencies(services["worker"])
    assert "web" in healthy_dependencies(services["beat"])


def test_database_and_media_live_on_named_volumes(compose, services):
    declared = set(compose["volumes"])
    assert {"postgres_data", "media", "private_media"} <= declared
    mounts: dict[str, dict[str, str]] = {}
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            assert source in declared, f"{name} mounts undeclared volume {source!r}"
            mounts.setdefault(name, {})[target] = source
    assert mounts["postgres"]["/var/lib/postgresql/data"] == "postgres_data"
    for name in ("web", "worker"):
        environment = services[name]["environment"]
        assert mounts[name][environment["MEDIA_ROOT"]] == "media"
        assert mounts[name][environment["PRIVATE_MEDIA_ROOT"]] == "private_media"


def test_every_command_names_something_that_exists(services):
    checked = []
    for name in APP_SERVICES:
        for words in shell_commands(services[name]["command"]):
            check_python_command(words)
            checked.append(words[0])
        if "healthcheck" in services[name]:
            for words in shell_commands(services[name]["healthcheck"]["test"]):
                check_python_command(words)
    assert checked.count("gunicorn") == 1
    assert checked.count("celery") == 2


def test_web_migrates_and_collects_static_before_serving(services):
    commands = shell_commands(services["web"]["command"])
    assert commands[0][:3] == ["python", "manage.py", "migrate"]
    assert commands[1][:3] == ["python", "manage.py", "collectstatic"]
    assert commands[-1][0] == "gunicorn"
    assert "0.0.0.0:8000" in commands[-1]


def test_worker_and_beat_run_the_project_celery_app(services):
    worker = shell_commands(services["worker"]["command"])
    beat = shell_commands(services["beat"]["command"])
    assert worker == [["celery", "-A", "config", "worker", "-l", "info"]]
    assert beat[0][:4] == ["celery", "-A", "config", "beat"]


def test_web_health_check_asks_for_a_real_page(services):
    code = shell_commands(services["web"]["healthcheck"]["test"])[0][2]
    path = re.search(r"http://127\.0\.0\.1:8000(/[^\"']*)", code)
    assert path is not None
    assert resolve(path.group(1)).url_name == "login"


def test_every_scheduled_beat_task_is_registered():
    from config.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, f"beat schedules unknown task {entry['task']!r}"


def test_app_services_run_in_production_mode(compose, services):
    environment = services["web"]["environment"]
    assert environment["DEBUG"] == "false"
    # The secret comes from the environment, never from the file.
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["DATABASE_URL"].startswith("postgres://")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    for name in APP_SERVICES:
        assert services[name]["environment"] == environment, name


def test_compose_sets_only_variables_the_settings_read(services):
    unknown = set(services["web"]["environment"]) - settings_variables()
    assert not unknown, f"settings.py does not read {sorted(unknown)}"


def test_dockerfile_installs_and_copies_the_project_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    instructions = [
        line.split(None, 1) for line in dockerfile.splitlines() if line and line[0].isupper()
    ]
    assert instructions[0] == ["FROM", "python:3.11-slim"]
    assert ["COPY", ". ."] in instructions
    assert any(keyword == "RUN" and "pip install ." in rest for keyword, rest in instructions)
    users = [rest for keyword, rest in instructions if keyword == "USER"]
    assert users and users[-1] not in {"root", "0"}
    dockerignore = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".env", "db.sqlite3", ".git"} <= set(dockerignore)

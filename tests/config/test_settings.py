"""The settings module: env helpers fail loudly, production mode refuses unsafe values,
Celery is eager without a broker. Settings load once per process, so production
behaviour is checked in a fresh Python process with its own environment."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_VARIABLES = set(
    re.findall(
        r"""env_(?:str|bool|int|list)\(\s*["']([A-Z0-9_]+)["']""",
        (ROOT / "config" / "settings.py").read_text(encoding="utf-8"),
    )
)
# Each subprocess starts without what the CI, a developer's shell or the test session
# (which allows the ORM inside Playwright's event loop) may have set.
NOT_INHERITED = SETTINGS_VARIABLES | {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def clean_environment(**environment: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in NOT_INHERITED}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    env.update(environment)
    return env


def run_python(code: str, **environment: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean_environment(**environment),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_environment() -> dict[str, str]:
    return {
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(45),
        "ALLOWED_HOSTS": "example.com",
    }


@pytest.mark.parametrize("raw", ["maybe", "2", "tru"])
def test_env_bool_refuses_values_that_are_not_true_or_false(monkeypatch, raw):
    monkeypatch.setenv("SOME_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG must be true or false"):
        env_bool("SOME_FLAG", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), ("1", True), ("off", False), ("0", False), ("", False)],
)
def test_env_bool_reads_the_usual_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("SOME_FLAG", raw)
    assert env_bool("SOME_FLAG", not expected) is expected


def test_env_helpers_fall_back_to_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("SOME_SETTING", raising=False)
    assert env_bool("SOME_SETTING", True) is True
    assert env_int("SOME_SETTING", 7) == 7
    assert env_str("SOME_SETTING", "fallback") == "fallback"
    assert env_list("SOME_SETTING", ["a"]) == ["a"]


@pytest.mark.parametrize("raw", ["ten", "1.5", "12abc"])
def test_env_int_refuses_values_that_are_not_whole_numbers(monkeypatch, raw):
    monkeypatch.setenv("SOME_NUMBER", raw)
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER must be a whole number"):
        env_int("SOME_NUMBER", 1)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("SOME_HOSTS", " example.com, ,www.example.com ")
    assert env_list("SOME_HOSTS", []) == ["example.com", "www.example.com"]


def test_a_bad_value_stops_the_settings_from_loading():
    result = run_python("import django; django.setup()", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_it_refuses_the_development_secret_key_when_debug_is_off():
    result = run_python("import django; django.setup()", DEBUG="false", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "the development key is refused when DEBUG is off" in result.stderr


def test_it_refuses_a_short_secret_key_when_debug_is_off():
    result = run_python(
        "import django; django.setup()", DEBUG="false", SECRET_KEY="too-short", ALLOWED_HOSTS="x"
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be at least 50 characters" in result.stderr


def test_production_settings_load_with_a_real_secret_key():
    result = run_python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.ALLOWED_HOSTS)",
        **production_environment(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False True ['example.com']"


def test_deployment_checks_report_nothing_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=clean_environment(**production_environment()),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


CELERY_MODE = (
    "import django; django.setup(); from django.conf import settings; "
    "from config.celery import app; "
    "print(settings.CELERY_TASK_ALWAYS_EAGER, app.conf.task_always_eager, "
    "repr(app.conf.broker_url or ''))"
)


def test_celery_runs_tasks_in_process_without_a_broker():
    result = run_python(CELERY_MODE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[:2] == ["True", "True"]


def test_celery_sends_tasks_to_redis_when_redis_url_is_set():
    result = run_python(CELERY_MODE, REDIS_URL="redis://127.0.0.1:6379/3")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "'redis://127.0.0.1:6379/3'"]


def test_celery_broker_url_wins_over_redis_url():
    result = run_python(
        CELERY_MODE,
        REDIS_URL="redis://127.0.0.1:6379/3",
        CELERY_BROKER_URL="redis://broker.internal:6379/1",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "'redis://broker.internal:6379/1'"]


def test_every_setting_read_from_the_environment_is_documented():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    env_example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert SETTINGS_VARIABLES, "settings.py reads no variables?"
    for name in sorted(SETTINGS_VARIABLES):
        assert f"| `{name}` |" in readme, f"README.md's configuration table lacks {name}"
        assert re.search(rf"^#? ?{name}=", env_example, re.MULTILINE), f".env.example lacks {name}"

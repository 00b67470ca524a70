"""Lighthouse accessibility and best-practice scores of the pages people use on a phone.

Usage (with the app served by `make run` in another terminal):
    .venv/bin/python scripts/lighthouse.py [--base http://127.0.0.1:8000] [--user staff] PATH ...

Installs npm's `lighthouse` into .lighthouse/ on first use and points it at the system
Chromium (CHROME_PATH, default /usr/bin/chromium). Signs in by creating a session for the
given demo login directly in the database, so it must share the server's settings.
Prints one line per page and `RESULT ...`; exits 1 when a score is under --minimum.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE_DIR = ROOT / ".lighthouse"
DEFAULT_PATHS = ["/accounts/login/", "/"]


def ensure_lighthouse() -> Path:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        LIGHTHOUSE_DIR.mkdir(exist_ok=True)
        subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(LIGHTHOUSE_DIR),
                "--no-audit",
                "--no-fund",
                "lighthouse@13",
            ],
            check=True,
        )
    return binary


def session_cookie(username: str) -> str:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore

    user = get_user_model().objects.get(username=username)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("paths", nargs="*", default=DEFAULT_PATHS)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user", default="staff")
    parser.add_argument("--minimum", type=float, default=95)
    args = parser.parse_args()

    binary = ensure_lighthouse()
    headers = json.dumps({"Cookie": session_cookie(args.user)})
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    worst = {"accessibility": 100.0, "best-practices": 100.0}
    failed = False
    for path in args.paths:
        with tempfile.NamedTemporaryFile(suffix=".json") as report_file:
            subprocess.run(
                [
                    str(binary),
                    args.base + path,
                    "--only-categories=accessibility,best-practices",
                    "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-background-networking",
                    f"--extra-headers={headers}",
                    "--output=json",
                    f"--output-path={report_file.name}",
                    "--quiet",
                ],
                check=False,
                env=env,
            )
            text = Path(report_file.name).read_text()
            report = json.loads(text) if text else {}
        if "categories" not in report or report.get("runtimeError"):
            print(
                f"{path}: lighthouse could not audit it (is it a 200 page for --user {args.user}?)"
            )
            failed = True
            continue
        scores = {key: round(report["categories"][key]["score"] * 100) for key in worst}
        problems = [
            audit["id"]
            for audit in report["audits"].values()
            if audit.get("score") is not None
            and audit["score"] < 1
            and audit.get("scoreDisplayMode") in {"binary", "numeric"}
        ]
        for key, score in scores.items():
            worst[key] = min(worst[key], score)
            failed = failed or score < args.minimum
        print(
            f"{path}: accessibility={scores['accessibility']} best-practices={scores['best-practices']}"
            + (f"  problems: {', '.join(problems)}" if problems else "")
        )
    print(
        f"RESULT pages={len(args.paths)} accessibility_min={worst['accessibility']:.0f} "
        f"best_practices_min={worst['best-practices']:.0f}"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Concurrent submits of one draft against a live server: one submission, the same
answer for every request (double taps, retries, two tabs at once).

Runs on PostgreSQL, where requests really run in parallel; SQLite writes one at a
time (and the live server shares one in-memory connection between its threads), so
the test skips there. CI runs the suite on PostgreSQL too, where it must pass.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.db import connection
from django.test import Client

from audits.models import AuditStatus
from core.models import Activity
from roles.models import ProgramRole

from .test_submission import CLIENT_ID, full_payload

THREADS = 8
CSRF = "a" * 32


@pytest.fixture(autouse=True)
def _postgresql_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip(
            "Concurrent submission needs PostgreSQL (SQLite writes one at a time): "
            "run with DATABASE_URL=postgres://... to include it."
        )
    # Transactional tests flush the tables, role groups included: make sure they exist.
    from django.contrib.auth.models import Group

    for role in ProgramRole.values:
        Group.objects.get_or_create(name=role)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def _post(url: str, session: str, payload: dict[str, str]) -> tuple[int, str]:
    body = urllib.parse.urlencode({**payload, "csrfmiddlewaretoken": CSRF}).encode()
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Cookie", f"sessionid={session}; csrftoken={CSRF}")
    request.add_header("Content-Type", "application/x-www-form-urlencoded")
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(CookieJar())
    )
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Location", "")


def _fire(url: str, session: str, payloads: list[dict[str, str]]) -> list[tuple[int, str]]:
    results: list[tuple[int, str] | None] = [None] * len(payloads)
    barrier = threading.Barrier(len(payloads))

    def run(index: int) -> None:
        barrier.wait()
        results[index] = _post(url, session, payloads[index])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return [result for result in results if result is not None]


def test_concurrent_submits_of_one_draft_make_one_submission(live_server, audit, auditor):
    url = f"{live_server.url}/audits/{audit.pk}/submit/"
    payload = full_payload(audit)
    results = _fire(url, _session_cookie(auditor), [payload] * THREADS)
    assert len(results) == THREADS
    assert set(results) == {(302, f"/audits/{audit.pk}/result/")}
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert str(audit.client_id) == CLIENT_ID
    assert (audit.earned, audit.applicable) == (7, 14)
    assert Activity.objects.filter(action="audit.submit", target_id=str(audit.pk)).count() == 1


def test_concurrent_submits_with_different_content_keep_the_first(live_server, audit, auditor):
    url = f"{live_server.url}/audits/{audit.pk}/submit/"
    same = full_payload(audit)
    changed = dict(same)
    first_answer = next(key for key in same if key.startswith("answer-"))
    changed[first_answer] = "no" if same[first_answer] != "no" else "yes"
    results = _fire(url, _session_cookie(auditor), [same, changed] * (THREADS // 2))
    statuses = sorted(status for status, _location in results)
    # One content wins; requests with it get the result, the others a 409.
    assert set(statuses) <= {302, 409}
    assert statuses.count(302) == THREADS // 2
    assert statuses.count(409) == THREADS // 2
    assert Activity.objects.filter(action="audit.submit", target_id=str(audit.pk)).count() == 1

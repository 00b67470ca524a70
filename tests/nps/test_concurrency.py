"""One invitation, many simultaneous answers: exactly one response (real PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from nps.models import Invitation, Response
from nps.services import AlreadyAnsweredError, response_record
from tests.nps.factories import InvitationFactory, SurveyFactory

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="Concurrent writers need PostgreSQL (SQLite writes one at a time): "
        "run with DATABASE_URL=postgres://...",
    ),
]

THREADS = 8


def test_simultaneous_answers_through_one_invitation_record_exactly_one(company) -> None:
    invitation = InvitationFactory.create(survey=SurveyFactory.create(department=company.sales))
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def answer(score: int) -> None:
        try:
            # Each thread loaded the invitation before anyone answered.
            mine = Invitation.objects.select_related("survey").get(pk=invitation.pk)
            barrier.wait(timeout=10)
            response_record(survey=mine.survey, score=score, invitation=mine)
            result = "recorded"
        except AlreadyAnsweredError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=answer, args=(score,)) for score in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["recorded"] + ["refused"] * (THREADS - 1)
    assert Response.objects.filter(invitation=invitation).count() == 1
    invitation.refresh_from_db()
    assert invitation.answered_at is not None

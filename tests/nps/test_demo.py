"""The demo NPS data: the dealership's story, loaded once however often it is loaded."""

from __future__ import annotations

import pytest

from journeys.demo import load_demo_journey
from nps.demo import RESPONSES, load_demo_nps
from nps.models import FollowUp, Invitation, ProblemTag, Response, ResponseTag, Survey
from nps.selectors import nps_figure
from roles.demo import load_demo_organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation():
    organisation = load_demo_organisation()
    load_demo_journey(organisation)
    return organisation


def test_the_demo_tells_the_dealership_story(organisation) -> None:
    load_demo_nps(organisation)
    assert Response.objects.count() == RESPONSES
    comments = " ".join(Response.objects.values_list("comment", flat=True))
    for fragment in ("зачем звоните", "коврики", "«ты»", "на «Вы»"):
        assert fragment in comments
    assert Survey.objects.filter(step__isnull=False).count() == Survey.objects.count() == 4
    assert ProblemTag.objects.count() >= 6
    assert ResponseTag.objects.exists()
    statuses = set(Response.objects.filter(score__lte=6).values_list("follow_up_status", flat=True))
    assert {FollowUp.OPEN, FollowUp.CONTACTED, FollowUp.RESOLVED} <= statuses
    assert Invitation.objects.filter(response__isnull=False).exists()
    figure = nps_figure(Response.objects.all())
    assert figure.promoters and figure.passives and figure.detractors


def test_loading_the_demo_twice_changes_nothing(organisation) -> None:
    load_demo_nps(organisation)
    before = list(
        Response.objects.order_by("external_id").values_list("external_id", "score", "comment")
    )
    assert load_demo_nps(organisation)["responses"] == 0
    after = list(
        Response.objects.order_by("external_id").values_list("external_id", "score", "comment")
    )
    assert before == after
    assert Survey.objects.count() == 4

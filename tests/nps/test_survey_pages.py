"""The customer's pages: answering, the follow-up, single-use links, protection."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nps.models import Invitation, Response
from nps.survey_views import answer_link
from tests.nps.factories import InvitationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def survey_url(survey) -> str:
    return reverse("nps_public:survey", args=[survey.public_key])


def test_the_survey_page_shows_eleven_buttons_without_a_login(customer, surveys) -> None:
    page = customer.get(survey_url(surveys.sales))
    assert page.status_code == 200
    html = page.content.decode()
    assert "How likely are you to recommend us to a friend or colleague?" in html
    for score in range(11):
        assert f'name="score" value="{score}"' in html
    assert "<script" not in html


def test_the_question_follows_the_browser_language(surveys) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="ru").get(survey_url(surveys.sales))
    assert (
        "Насколько вероятно, что вы порекомендуете нас другу или коллеге?" in page.content.decode()
    )


def test_the_language_can_be_switched(customer, surveys) -> None:
    url = survey_url(surveys.sales)
    customer.post(reverse("set_language"), {"language": "ru", "next": url})
    assert "Насколько вероятно" in customer.get(url).content.decode()


def test_a_tap_records_the_score_and_asks_the_follow_up(customer, surveys) -> None:
    page = customer.post(survey_url(surveys.sales), {"score": "3"})
    response = Response.objects.get()
    assert response.score == 3
    assert response.language == "en"
    assert page.status_code == 302
    assert page["Location"] == reverse("nps_public:details", args=[answer_link(response)])
    follow_up = customer.get(page["Location"])
    assert surveys.sales.follow_up_en in follow_up.content.decode()


def test_the_comment_and_consented_contact_are_saved_then_thanks(customer, surveys) -> None:
    customer.post(survey_url(surveys.sales), {"score": "3"})
    response = Response.objects.get()
    page = customer.post(
        reverse("nps_public:details", args=[answer_link(response)]),
        {"comment": "The phone rang forever", "contact": "me@example.com", "contact_consent": "on"},
    )
    assert page.status_code == 302
    assert page["Location"] == reverse("nps_public:thanks", args=[surveys.sales.public_key])
    response.refresh_from_db()
    assert (response.comment, response.contact, response.contact_consent) == (
        "The phone rang forever",
        "me@example.com",
        True,
    )
    assert customer.get(page["Location"]).status_code == 200


def test_contact_details_without_the_consent_box_are_refused_and_kept_in_the_form(
    customer, surveys
) -> None:
    customer.post(survey_url(surveys.sales), {"score": "8"})
    response = Response.objects.get()
    page = customer.post(
        reverse("nps_public:details", args=[answer_link(response)]),
        {"comment": "ok", "contact": "+7 900 000"},
    )
    assert page.status_code == 422
    assert "+7 900 000" in page.content.decode()
    response.refresh_from_db()
    assert response.contact == ""


@pytest.mark.parametrize(
    "data",
    [{}, {"score": "11"}, {"score": "-1"}, {"score": "seven"}, {"score": "3.5"}, {"score": "\x00"}],
)
def test_a_bad_score_re_renders_with_422(customer, surveys, data) -> None:
    page = customer.post(survey_url(surveys.sales), data)
    assert page.status_code == 422
    assert "Choose a score from 0 to 10." in page.content.decode()
    assert not Response.objects.exists()


def test_a_filled_honeypot_gets_thanks_and_records_nothing(customer, surveys) -> None:
    page = customer.post(survey_url(surveys.sales), {"score": "10", "website": "http://spam"})
    assert page.status_code == 302
    assert page["Location"] == reverse("nps_public:thanks", args=[surveys.sales.public_key])
    assert not Response.objects.exists()


def test_answers_from_one_address_are_limited_per_survey(customer, surveys, settings) -> None:
    settings.NPS_SURVEY_RATE_LIMIT = 3
    for _ in range(3):
        assert customer.post(survey_url(surveys.sales), {"score": "9"}).status_code == 302
    limited = customer.post(survey_url(surveys.sales), {"score": "9"})
    assert limited.status_code == 429
    assert Response.objects.count() == 3
    # Another survey and another address are counted apart.
    assert customer.post(survey_url(surveys.service), {"score": "9"}).status_code == 302
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(survey_url(surveys.sales), {"score": "9"}).status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_counts(customer, surveys, settings) -> None:
    settings.NPS_SURVEY_RATE_LIMIT = 1
    settings.NPS_TRUST_X_FORWARDED_FOR = True
    url = survey_url(surveys.sales)
    assert customer.post(url, {"score": "9"}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 302
    assert (
        customer.post(url, {"score": "9"}, HTTP_X_FORWARDED_FOR="2.2.2.2, 10.0.0.1").status_code
        == 302
    )
    assert customer.post(url, {"score": "9"}, HTTP_X_FORWARDED_FOR="1.1.1.1").status_code == 429


def test_a_paused_survey_says_so_politely(customer, surveys) -> None:
    surveys.sales.is_active = False
    surveys.sales.save()
    for page in (
        customer.get(survey_url(surveys.sales)),
        customer.post(survey_url(surveys.sales), {"score": "9"}),
    ):
        assert page.status_code == 410
        assert "This survey is closed" in page.content.decode()
    assert not Response.objects.exists()


def test_an_unknown_survey_is_404(customer, db) -> None:
    assert customer.get(reverse("nps_public:survey", args=["nope"])).status_code == 404


def test_the_survey_page_refuses_other_methods(customer, surveys) -> None:
    assert customer.put(survey_url(surveys.sales)).status_code == 405


def test_an_invitation_link_records_one_attributed_response(customer, surveys) -> None:
    invitation = InvitationFactory.create(survey=surveys.sales)
    url = reverse("nps_public:invitation", args=[invitation.token])
    assert customer.get(url).status_code == 200
    assert customer.post(url, {"score": "2"}).status_code == 302
    response = Response.objects.get()
    assert response.invitation == invitation
    again = customer.post(url, {"score": "10"})
    assert again.status_code == 409
    assert "You have already answered" in again.content.decode()
    assert Response.objects.get().score == 2


def test_a_second_visit_may_still_change_the_comment_within_the_window(
    customer, surveys, settings
) -> None:
    settings.NPS_COMMENT_EDIT_MINUTES = 30
    invitation = InvitationFactory.create(survey=surveys.sales)
    url = reverse("nps_public:invitation", args=[invitation.token])
    customer.post(url, {"score": "5"})
    page = customer.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "You have already answered" in html
    assert 'name="comment"' in html
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=31)):
        later = customer.get(url)
        assert 'name="comment"' not in later.content.decode()
        response = Response.objects.get()
        assert (
            customer.post(
                reverse("nps_public:details", args=[answer_link(response)]), {"comment": "late"}
            ).status_code
            == 410
        )
    assert Response.objects.get().comment == ""


def test_an_expired_invitation_says_so(customer, surveys) -> None:
    invitation = InvitationFactory.create(
        survey=surveys.sales, expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    page = customer.get(reverse("nps_public:invitation", args=[invitation.token]))
    assert page.status_code == 410
    assert "This link has expired" in page.content.decode()


def test_a_forged_answer_link_is_404(customer, surveys) -> None:
    assert customer.get(reverse("nps_public:details", args=["1:abc:def"])).status_code == 404


def test_an_unknown_invitation_is_404(customer, db) -> None:
    assert customer.get(reverse("nps_public:invitation", args=["x" * 30])).status_code == 404
    assert not Invitation.objects.exists()

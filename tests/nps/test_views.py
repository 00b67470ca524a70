"""Manager pages: who may see what, filters, tags, follow-up, surveys, tokens."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from nps.models import FollowUp, ProblemTag, Response, Survey
from roles.models import ApiToken
from tests.factories import EmployeeFactory
from tests.nps.conftest import HTMX, NOT_MANAGERS
from tests.nps.factories import ProblemTagFactory, ResponseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(surveys, company):
    """Sales: a detractor and a promoter; Service: a passive."""
    return {
        "sales_detractor": ResponseFactory.create(
            survey=surveys.sales, score=3, comment="Waited an hour", follow_up_status=FollowUp.OPEN
        ),
        "sales_promoter": ResponseFactory.create(survey=surveys.sales, score=10, comment="Great"),
        "service_passive": ResponseFactory.create(
            survey=surveys.service, score=7, comment="Slow service"
        ),
    }


PAGES: list[tuple[str, list[int]]] = [
    ("nps:responses", []),
    ("nps:surveys", []),
    ("nps:tags", []),
    ("nps:exports", []),
    ("nps:import", []),
    ("nps:api_tokens", []),
]


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_a_manager_opens_every_nps_page(manager_client, answers, name, args) -> None:
    assert manager_client.get(reverse(name, args=args)).status_code == 200


@pytest.mark.parametrize(("name", "args"), PAGES)
@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_get_403(request, persona, name, args, company) -> None:
    client = request.getfixturevalue(persona)
    assert client.get(reverse(name, args=args)).status_code == 403


@pytest.mark.parametrize(("name", "args"), PAGES)
def test_anonymous_visitors_go_to_the_login(client, name, args, db) -> None:
    page = client.get(reverse(name, args=args))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("login"))


def test_the_list_shows_nps_with_n_for_the_selection(manager_client, answers) -> None:
    page = manager_client.get(reverse("nps:responses"))
    figure = page.context["figure"]
    assert (figure.responses, figure.nps) == (3, 0)
    assert "3 responses" in page.content.decode()


def test_a_branch_manager_sees_only_their_subtree(sales_manager_client, answers) -> None:
    page = sales_manager_client.get(reverse("nps:responses"))
    shown = {response.pk for response in page.context["page"].object_list}
    assert shown == {answers["sales_detractor"].pk, answers["sales_promoter"].pk}
    assert page.context["figure"].responses == 2


def test_filters_narrow_the_selection(manager_client, answers, company) -> None:
    by_category = manager_client.get(reverse("nps:responses"), {"category": "detractor"})
    assert [r.pk for r in by_category.context["page"].object_list] == [
        answers["sales_detractor"].pk
    ]
    by_department = manager_client.get(reverse("nps:responses"), {"department": company.service.pk})
    assert [r.pk for r in by_department.context["page"].object_list] == [
        answers["service_passive"].pk
    ]
    by_text = manager_client.get(reverse("nps:responses"), {"q": "hour"})
    assert by_text.context["figure"].responses == 1


def test_the_department_filter_includes_the_subtree(manager_client, surveys, company) -> None:
    seller = EmployeeFactory.create(department=company.used_cars)
    below = ResponseFactory.create(
        survey=surveys.sales, department=company.used_cars, employee=seller, score=9
    )
    page = manager_client.get(reverse("nps:responses"), {"department": company.sales.pk})
    assert below.pk in {r.pk for r in page.context["page"].object_list}


def test_the_period_filter_uses_local_days(manager_client, surveys) -> None:
    old = ResponseFactory.create(
        survey=surveys.sales, submitted_at=timezone.now() - datetime.timedelta(days=40)
    )
    recent = ResponseFactory.create(survey=surveys.sales)
    today = timezone.localdate()
    page = manager_client.get(
        reverse("nps:responses"),
        {
            "date_from": (today - datetime.timedelta(days=7)).isoformat(),
            "date_to": today.isoformat(),
        },
    )
    shown = {r.pk for r in page.context["page"].object_list}
    assert recent.pk in shown and old.pk not in shown


def test_bad_filters_show_their_errors_with_422(manager_client, answers) -> None:
    page = manager_client.get(reverse("nps:responses"), {"date_from": "yesterday", "score": "12"})
    assert page.status_code == 422
    assert set(page.context["form"].errors) == {"date_from", "score"}


def test_a_department_outside_the_subtree_is_not_a_valid_filter(
    sales_manager_client, answers, company
) -> None:
    page = sales_manager_client.get(reverse("nps:responses"), {"department": company.service.pk})
    assert page.status_code == 422
    assert "department" in page.context["form"].errors


def test_the_list_costs_the_same_queries_for_more_rows(
    manager_client, surveys, django_assert_max_num_queries
) -> None:
    tag = ProblemTagFactory.create()
    for score in range(11):
        response = ResponseFactory.create(survey=surveys.sales, score=score)
        response.tags.add(tag)
    with django_assert_max_num_queries(20):
        manager_client.get(reverse("nps:responses"))
    for score in range(30):
        response = ResponseFactory.create(survey=surveys.service, score=score % 11)
        response.tags.add(tag)
    with django_assert_max_num_queries(20):
        manager_client.get(reverse("nps:responses"))


def test_the_htmx_filter_returns_only_the_results(manager_client, answers) -> None:
    page = manager_client.get(reverse("nps:responses"), {"category": "passive"}, **HTMX)
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<html" not in html


def test_top_problems_count_tags_of_the_last_30_days(manager_client, surveys) -> None:
    rude, waiting = ProblemTagFactory.create(name="Rude"), ProblemTagFactory.create(name="Waiting")
    for _ in range(2):
        ResponseFactory.create(survey=surveys.sales, score=2).tags.add(waiting)
    ResponseFactory.create(survey=surveys.sales, score=2).tags.add(rude)
    ResponseFactory.create(
        survey=surveys.sales, score=2, submitted_at=timezone.now() - datetime.timedelta(days=45)
    ).tags.add(rude, waiting)
    problems = manager_client.get(reverse("nps:responses")).context["problems"]
    assert [(item.tag.name, item.count) for item in problems] == [("Waiting", 2), ("Rude", 1)]


def test_a_response_outside_the_subtree_is_404(sales_manager_client, answers) -> None:
    url = reverse("nps:response_detail", args=[answers["service_passive"].pk])
    assert sales_manager_client.get(url).status_code == 404
    tags = reverse("nps:response_tags", args=[answers["service_passive"].pk])
    assert sales_manager_client.post(tags, {"tags": []}).status_code == 404


def test_the_detail_page_refuses_other_roles_and_methods(
    staff_client, manager_client, answers
) -> None:
    url = reverse("nps:response_detail", args=[answers["sales_detractor"].pk])
    assert staff_client.get(url).status_code == 403
    assert manager_client.post(url).status_code == 405
    assert (
        manager_client.get(
            reverse("nps:response_tags", args=[answers["sales_detractor"].pk])
        ).status_code
        == 405
    )


def test_a_manager_tags_a_detractor_in_place(manager_client, answers) -> None:
    tag = ProblemTagFactory.create(name="Kept waiting")
    response = answers["sales_detractor"]
    page = manager_client.post(
        reverse("nps:response_tags", args=[response.pk]), {"tags": [tag.pk]}, **HTMX
    )
    assert page.status_code == 200
    assert 'id="response-tags"' in page.content.decode()
    assert list(response.tags.all()) == [tag]


def test_tagging_a_promoter_is_refused_with_422(manager_client, answers) -> None:
    tag = ProblemTagFactory.create()
    page = manager_client.post(
        reverse("nps:response_tags", args=[answers["sales_promoter"].pk]),
        {"tags": [tag.pk]},
        **HTMX,
    )
    assert page.status_code == 422


def test_an_unknown_tag_is_a_field_error(manager_client, answers) -> None:
    page = manager_client.post(
        reverse("nps:response_tags", args=[answers["sales_detractor"].pk]),
        {"tags": ["999999"]},
        **HTMX,
    )
    assert page.status_code == 422


def test_a_manager_marks_a_detractor_contacted(manager_client, answers) -> None:
    response = answers["sales_detractor"]
    page = manager_client.post(
        reverse("nps:response_follow_up", args=[response.pk]),
        {
            "status": "contacted",
            "note": "Called him back",
            "updated_at": response.updated_at.isoformat(),
        },
        **HTMX,
    )
    assert page.status_code == 200
    response.refresh_from_db()
    assert response.follow_up_status == FollowUp.CONTACTED


def test_a_follow_up_over_a_newer_change_is_refused_with_409(
    manager_client, answers, manager
) -> None:
    from nps.services import response_follow_up

    response = answers["sales_detractor"]
    opened = response.updated_at.isoformat()
    response_follow_up(
        actor=manager.user,
        response=Response.objects.get(pk=response.pk),
        status="contacted",
        note="first",
    )
    page = manager_client.post(
        reverse("nps:response_follow_up", args=[response.pk]),
        {"status": "resolved", "note": "second", "updated_at": opened},
        **HTMX,
    )
    assert page.status_code == 409
    assert "Someone else saved a change" in page.content.decode(), page.content.decode()
    response.refresh_from_db()
    assert response.follow_up_note == "first"


def test_a_follow_up_without_a_note_is_422_and_keeps_the_choice(manager_client, answers) -> None:
    response = answers["sales_detractor"]
    page = manager_client.post(
        reverse("nps:response_follow_up", args=[response.pk]),
        {"status": "resolved", "note": "", "updated_at": response.updated_at.isoformat()},
    )
    assert page.status_code == 422
    assert 'value="resolved" selected' in page.content.decode()


def test_a_manager_creates_a_survey_and_gets_its_link_and_qr(manager_client, company) -> None:
    page = manager_client.post(
        reverse("nps:survey_create"),
        {
            "name": "After the test drive",
            "department": company.sales.pk,
            "active_from": timezone.localdate().isoformat(),
            "follow_up_ru": "Что понравилось?",
            "follow_up_en": "What did you like?",
        },
    )
    survey = Survey.objects.get(name="After the test drive")
    assert page.status_code == 302
    detail = manager_client.get(survey.get_absolute_url())
    assert survey.public_key in detail.content.decode()
    svg = manager_client.get(reverse("nps:survey_qr", args=[survey.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.lstrip().startswith(b"<?xml") or b"<svg" in svg.content[:200]
    png = manager_client.get(reverse("nps:survey_qr", args=[survey.pk, "png"]))
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert manager_client.get(reverse("nps:survey_poster", args=[survey.pk])).status_code == 200


def test_a_survey_that_closes_before_it_opens_is_422(manager_client, company) -> None:
    today = timezone.localdate()
    page = manager_client.post(
        reverse("nps:survey_create"),
        {
            "name": "Backwards",
            "department": company.sales.pk,
            "active_from": today.isoformat(),
            "active_until": (today - datetime.timedelta(days=1)).isoformat(),
            "follow_up_ru": "?",
            "follow_up_en": "?",
        },
    )
    assert page.status_code == 422
    assert "Backwards" in page.content.decode()
    assert not Survey.objects.filter(name="Backwards").exists()


def test_a_survey_of_another_branch_is_404(sales_manager_client, surveys) -> None:
    assert (
        sales_manager_client.get(
            reverse("nps:survey_detail", args=[surveys.service.pk])
        ).status_code
        == 404
    )
    assert (
        sales_manager_client.get(
            reverse("nps:survey_qr", args=[surveys.service.pk, "svg"])
        ).status_code
        == 404
    )


def test_a_stale_survey_edit_is_409(manager_client, surveys, manager) -> None:
    from nps.services import survey_update

    survey = surveys.sales
    opened = survey.updated_at.isoformat()
    survey_update(actor=manager.user, survey=Survey.objects.get(pk=survey.pk), name="Renamed")
    page = manager_client.post(
        reverse("nps:survey_edit", args=[survey.pk]),
        {
            "name": "Mine",
            "department": survey.department_id,
            "active_from": survey.active_from.isoformat(),
            "follow_up_ru": "?",
            "follow_up_en": "?",
            "updated_at": opened,
        },
    )
    assert page.status_code == 409
    assert Survey.objects.get(pk=survey.pk).name == "Renamed"


def test_pausing_a_survey(manager_client, surveys) -> None:
    manager_client.post(
        reverse("nps:survey_set_active", args=[surveys.sales.pk]), {"is_active": "0"}
    )
    surveys.sales.refresh_from_db()
    assert surveys.sales.status() == "paused"
    assert (
        manager_client.get(reverse("nps:survey_set_active", args=[surveys.sales.pk])).status_code
        == 405
    )


def test_problem_tags_are_created_renamed_and_deactivated(manager_client) -> None:
    manager_client.post(reverse("nps:tag_create"), {"name": "Rude answer"})
    tag = ProblemTag.objects.get(name="Rude answer")
    duplicate = manager_client.post(reverse("nps:tag_create"), {"name": "rude ANSWER"})
    assert duplicate.status_code == 422
    manager_client.post(
        reverse("nps:tag_edit", args=[tag.pk]),
        {"name": "Curt answer", "description": "", "updated_at": tag.updated_at.isoformat()},
    )
    manager_client.post(reverse("nps:tag_set_active", args=[tag.pk]), {"is_active": "0"})
    tag.refresh_from_db()
    assert (tag.name, tag.is_active) == ("Curt answer", False)


def test_a_manager_creates_a_token_sees_the_key_once_and_revokes_it(
    manager_client, manager
) -> None:
    page = manager_client.post(
        reverse("nps:api_token_create"), {"name": "BI", "scopes": ["read:responses"]}
    )
    assert page.status_code == 200
    key = page.context["new_key"]
    token = ApiToken.objects.get(name="BI")
    assert key.startswith(token.key_prefix)
    assert key not in token.key_hash and token.key_hash != key
    assert page["Cache-Control"] == "no-store"
    assert key not in manager_client.get(reverse("nps:api_tokens")).content.decode()
    manager_client.post(reverse("nps:api_token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_without_scopes_is_422(manager_client) -> None:
    page = manager_client.post(reverse("nps:api_token_create"), {"name": "BI"})
    assert page.status_code == 422
    assert not ApiToken.objects.exists()


def test_a_branch_manager_cannot_make_a_token_act_as_an_api_client(
    sales_manager_client, api_client_user
) -> None:
    page = sales_manager_client.post(
        reverse("nps:api_token_create"),
        {"name": "BI", "scopes": ["read:responses"], "acts_as": str(api_client_user.pk)},
    )
    assert page.status_code == 422
    assert not ApiToken.objects.exists()


def test_a_manager_cannot_revoke_another_branch_managers_token(
    sales_manager_client, manager_client, manager
) -> None:
    from roles.api_auth import api_token_create

    token, _key = api_token_create(actor=manager.user, name="Root", scopes=["read:responses"])
    assert (
        sales_manager_client.post(reverse("nps:api_token_revoke", args=[token.pk])).status_code
        == 404
    )
    token.refresh_from_db()
    assert token.revoked_at is None

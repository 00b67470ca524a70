from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Activity
from journeys.models import Journey, Situation, SituationKind, Stage, Step
from tests.factories import JourneyFactory, SituationFactory, StageFactory, StepFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def read_urls(car_journey) -> list[str]:
    return [
        reverse("journeys:list"),
        reverse("journeys:map", args=[car_journey.journey.pk]),
        reverse("journeys:position_duties", args=[car_journey.receptionist.pk]),
    ]


def edit_urls(car_journey) -> list[tuple[str, str]]:
    """(method, url) of every endpoint that changes the map."""
    journey, stage, step, situation = (
        car_journey.journey,
        car_journey.call,
        car_journey.answer,
        car_journey.no_answer,
    )
    return [
        ("get", reverse("journeys:journey_create")),
        ("get", reverse("journeys:journey_update", args=[journey.pk])),
        ("post", reverse("journeys:journey_set_active", args=[journey.pk])),
        ("get", reverse("journeys:stage_create", args=[journey.pk])),
        ("get", reverse("journeys:situation_create", args=[journey.pk])),
        ("get", reverse("journeys:stage_update", args=[stage.pk])),
        ("get", reverse("journeys:stage_delete", args=[stage.pk])),
        ("post", reverse("journeys:stage_move", args=[stage.pk])),
        ("get", reverse("journeys:step_create", args=[stage.pk])),
        ("get", reverse("journeys:step_update", args=[step.pk])),
        ("get", reverse("journeys:step_delete", args=[step.pk])),
        ("post", reverse("journeys:step_move", args=[step.pk])),
        ("get", reverse("journeys:step_situation_create", args=[step.pk])),
        ("get", reverse("journeys:situation_update", args=[situation.pk])),
        ("get", reverse("journeys:situation_delete", args=[situation.pk])),
        ("post", reverse("journeys:situation_move", args=[situation.pk])),
    ]


# Who may see what --------------------------------------------------------------


@pytest.mark.parametrize(
    "client_name", ["manager_client", "sales_manager_client", "auditor_client"]
)
def test_managers_and_auditors_read_the_journey_pages(request, client_name, car_journey):
    client = request.getfixturevalue(client_name)
    for url in read_urls(car_journey):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("client_name", ["staff_client", "outsider_client"])
def test_staff_and_outsiders_get_403_on_journey_pages(request, client_name, car_journey):
    client = request.getfixturevalue(client_name)
    for url in read_urls(car_journey):
        assert client.get(url).status_code == 403, url
    for method, url in edit_urls(car_journey):
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, car_journey):
    for url in read_urls(car_journey):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    for method, url in edit_urls(car_journey):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_auditor_sees_the_map_read_only(auditor_client, car_journey):
    response = auditor_client.get(reverse("journeys:map", args=[car_journey.journey.pk]))
    content = response.content.decode()
    assert "Answer the phone" in content
    assert "Nobody answers within three rings" in content
    assert "+ Add step" not in content
    assert "Remove" not in content
    assert reverse("journeys:step_update", args=[car_journey.answer.pk]) not in content


def test_auditor_gets_403_from_every_editing_endpoint(auditor_client, car_journey):
    for method, url in edit_urls(car_journey):
        assert getattr(auditor_client, method)(url).status_code == 403, url
        assert getattr(auditor_client, method)(url, **HTMX).status_code == 403, url
    assert Activity.objects.count() == 0


def test_manager_opens_every_editing_form(manager_client, car_journey):
    for method, url in edit_urls(car_journey):
        if method == "get":
            assert manager_client.get(url).status_code == 200, url
            assert manager_client.get(url, **HTMX).status_code == 200, url


@pytest.mark.parametrize(
    "name",
    [
        "map",
        "journey_update",
        "journey_set_active",
        "stage_create",
        "situation_create",
        "position_duties",
    ],
)
def test_unknown_journey_or_position_is_404(manager_client, name):
    method = "post" if name == "journey_set_active" else "get"
    response = getattr(manager_client, method)(reverse(f"journeys:{name}", args=[999999]))
    assert response.status_code == 404


@pytest.mark.parametrize(
    "name",
    [
        "stage_update",
        "stage_delete",
        "stage_move",
        "step_create",
        "step_update",
        "step_delete",
        "step_move",
        "step_situation_create",
        "situation_update",
        "situation_delete",
        "situation_move",
    ],
)
def test_unknown_stage_step_or_situation_is_404(manager_client, name):
    response = manager_client.post(reverse(f"journeys:{name}", args=[999999]))
    assert response.status_code == 404


def test_wrong_methods_get_405(manager_client, car_journey):
    journey, stage, step, situation = (
        car_journey.journey,
        car_journey.call,
        car_journey.answer,
        car_journey.no_answer,
    )
    for url in read_urls(car_journey):
        assert manager_client.post(url).status_code == 405, url
    for url in [
        reverse("journeys:journey_set_active", args=[journey.pk]),
        reverse("journeys:stage_move", args=[stage.pk]),
        reverse("journeys:step_move", args=[step.pk]),
        reverse("journeys:situation_move", args=[situation.pk]),
    ]:
        assert manager_client.get(url).status_code == 405, url
    for url in [
        reverse("journeys:step_update", args=[step.pk]),
        reverse("journeys:stage_delete", args=[stage.pk]),
    ]:
        assert manager_client.put(url).status_code == 405, url
        assert manager_client.delete(url).status_code == 405, url


# The journey list ----------------------------------------------------------------


def test_manager_creates_a_journey_without_javascript(manager_client):
    response = manager_client.post(
        reverse("journeys:journey_create"), {"name": "Service visit", "description": "Repairs"}
    )
    journey = Journey.objects.get(name="Service visit")
    assert response.status_code == 302
    assert response["Location"] == reverse("journeys:map", args=[journey.pk])


def test_manager_creates_a_journey_in_place(manager_client):
    response = manager_client.post(
        reverse("journeys:journey_create"), {"name": "Service visit", "description": ""}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#journeys"
    assert "Service visit" in response.content.decode()
    assert "<html" not in response.content.decode()


def test_a_duplicate_journey_name_is_422_with_what_was_typed(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:journey_create"),
        {"name": "Buying a car", "description": "My typed description"},
        **HTMX,
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert "My typed description" in content
    assert 'aria-invalid="true"' in content
    assert Journey.objects.count() == 1


def test_manager_renames_a_journey(manager_client, car_journey):
    url = reverse("journeys:journey_update", args=[car_journey.journey.pk])
    form = manager_client.get(url).context["form"]
    response = manager_client.post(
        url,
        {"name": "Buying a new car", "description": "", "updated_at": form["updated_at"].value()},
    )
    assert response.status_code == 302
    assert Journey.objects.get(pk=car_journey.journey.pk).name == "Buying a new car"


def test_manager_deactivates_and_reactivates_a_journey(manager_client, car_journey):
    url = reverse("journeys:journey_set_active", args=[car_journey.journey.pk])
    response = manager_client.post(url, {"active": "0"}, **HTMX)
    assert response.status_code == 200
    assert not Journey.objects.get(pk=car_journey.journey.pk).is_active
    assert "Reactivate" in response.content.decode()
    manager_client.post(url, {"active": "1"})
    assert Journey.objects.get(pk=car_journey.journey.pk).is_active


def test_an_unclear_active_flag_is_400_and_changes_nothing(manager_client, car_journey):
    url = reverse("journeys:journey_set_active", args=[car_journey.journey.pk])
    assert manager_client.post(url, {"active": "maybe"}).status_code == 400
    assert Journey.objects.get(pk=car_journey.journey.pk).is_active


def test_auditor_sees_the_list_without_editing_controls(auditor_client, car_journey):
    content = auditor_client.get(reverse("journeys:list")).content.decode()
    assert "Buying a car" in content
    assert "New journey" not in content
    assert "Deactivate" not in content


def test_journey_list_queries_do_not_grow_with_journeys(
    manager_client, car_journey, django_assert_num_queries
):
    url = reverse("journeys:list")
    manager_client.get(url)  # warm up the session and the role cache
    with django_assert_num_queries(LIST_QUERIES):
        manager_client.get(url)
    for number in range(5):
        stage = StageFactory.create(journey=JourneyFactory.create(name=f"Journey {number}"))
        StepFactory.create(stage=stage)
    with django_assert_num_queries(LIST_QUERIES):
        manager_client.get(url)


# Session, user, program roles, then the journeys with their counts in one query.
LIST_QUERIES = 4


# The map: adding, editing, moving, removing ------------------------------------------


def step_data(car_journey, **overrides) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Confirm by text",
        "channel": "messenger",
        "responsible_position": car_journey.salesperson.pk,
        "owner": "",
        "description": "",
    }
    data.update(overrides)
    return data


def test_manager_adds_a_step_in_place(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:step_create", args=[car_journey.call.pk]),
        step_data(car_journey),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#journey-map"
    assert response["HX-Reswap"] == "outerHTML"
    step = Step.objects.get(name="Confirm by text")
    content = response.content.decode()
    assert f'id="step-{step.pk}"' in content
    assert "<html" not in content
    # The new step takes the keyboard focus.
    assert f'id="step-{step.pk}-title" tabindex="-1" data-focus' in content


def test_manager_adds_a_step_without_javascript(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:step_create", args=[car_journey.call.pk]), step_data(car_journey)
    )
    step = Step.objects.get(name="Confirm by text")
    assert response.status_code == 302
    assert response["Location"] == f"/journeys/{car_journey.journey.pk}/#step-{step.pk}"


def test_the_add_step_form_is_a_fragment_for_htmx_and_a_page_otherwise(manager_client, car_journey):
    url = reverse("journeys:step_create", args=[car_journey.call.pk])
    fragment = manager_client.get(url, **HTMX).content.decode()
    page = manager_client.get(url).content.decode()
    assert "<html" not in fragment
    assert f'hx-post="{url}"' in fragment
    assert "<html" in page
    assert f'action="{url}"' in page
    # On its own page the form is an ordinary one: htmx must not take it over.
    assert "hx-post" not in page


def test_an_invalid_step_is_422_and_keeps_what_was_typed(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:step_create", args=[car_journey.call.pk]),
        step_data(car_journey, responsible_position="", description="Typed and kept"),
        **HTMX,
    )
    assert response.status_code == 422
    content = response.content.decode()
    assert 'value="Confirm by text"' in content
    assert "Typed and kept" in content
    assert 'id="id_responsible_position-errors"' in content
    assert not Step.objects.filter(name="Confirm by text").exists()


def test_a_stale_step_edit_is_409_and_keeps_what_was_typed(manager_client, manager, car_journey):
    url = reverse("journeys:step_update", args=[car_journey.answer.pk])
    marker = manager_client.get(url).context["form"]["updated_at"].value()
    # Someone else saves first.
    other = manager_client.post(
        url, step_data(car_journey, name="Their name", stage=car_journey.call.pk, updated_at=marker)
    )
    assert other.status_code == 302
    response = manager_client.post(
        url,
        step_data(car_journey, name="My name", stage=car_journey.call.pk, updated_at=marker),
        **HTMX,
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "Someone else saved a change" in content
    assert 'value="My name"' in content
    assert "Their name" in content
    assert Step.objects.get(pk=car_journey.answer.pk).name == "Their name"
    # Saving again, having seen the conflict, replaces their version knowingly.
    fresh = Step.objects.get(pk=car_journey.answer.pk).updated_at.isoformat()
    assert f'value="{fresh}"' in content
    again = manager_client.post(
        url,
        step_data(car_journey, name="My name", stage=car_journey.call.pk, updated_at=fresh),
        **HTMX,
    )
    assert again.status_code == 200
    assert Step.objects.get(pk=car_journey.answer.pk).name == "My name"


def test_a_garbled_marker_is_422_not_500(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:stage_update", args=[car_journey.call.pk]),
        {"name": "Call", "updated_at": "yesterday-ish"},
    )
    assert response.status_code == 422
    assert "out of date" in response.content.decode()


def test_manager_moves_a_step_to_another_stage_through_the_edit_form(manager_client, car_journey):
    url = reverse("journeys:step_update", args=[car_journey.answer.pk])
    marker = manager_client.get(url).context["form"]["updated_at"].value()
    response = manager_client.post(
        url,
        step_data(
            car_journey, name="Answer the phone", stage=car_journey.visit.pk, updated_at=marker
        ),
        **HTMX,
    )
    assert response.status_code == 200
    step = Step.objects.get(pk=car_journey.answer.pk)
    assert step.stage == car_journey.visit
    assert step.order == 1


def test_the_step_form_offers_only_stages_of_its_own_journey(manager_client, car_journey):
    foreign = StageFactory.create(name="Foreign stage")
    url = reverse("journeys:step_update", args=[car_journey.answer.pk])
    marker = manager_client.get(url).context["form"]["updated_at"].value()
    response = manager_client.post(
        url, step_data(car_journey, stage=foreign.pk, updated_at=marker), **HTMX
    )
    assert response.status_code == 422
    assert Step.objects.get(pk=car_journey.answer.pk).stage == car_journey.call


def test_manager_moves_a_step_down_in_place(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:step_move", args=[car_journey.answer.pk]), {"direction": "down"}, **HTMX
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#journey-map"
    assert list(car_journey.call.steps.order_by("order").values_list("name", flat=True)) == [
        "Book a visit",
        "Answer the phone",
    ]
    # The focus stays on the arrow the person pressed (now the last step: the up arrow).
    assert 'aria-label="Move step “Answer the phone” up"' in response.content.decode()


def test_moving_without_javascript_redirects_to_the_item(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:stage_move", args=[car_journey.visit.pk]), {"direction": "up"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#stage-{car_journey.visit.pk}")
    assert Stage.objects.get(pk=car_journey.visit.pk).order == 0


def test_a_move_without_a_direction_is_400(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:situation_move", args=[car_journey.no_answer.pk]), {"direction": "left"}
    )
    assert response.status_code == 400


def test_removing_a_used_step_is_refused_in_place_with_the_list(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:step_delete", args=[car_journey.answer.pk]), **HTMX
    )
    assert response.status_code == 409
    content = response.content.decode()
    assert "cannot be removed" in content
    assert "Situation: Nobody answers within three rings" in content
    assert Step.objects.filter(pk=car_journey.answer.pk).exists()


def test_removing_a_used_stage_without_javascript_explains_why_not(manager_client, car_journey):
    url = reverse("journeys:stage_delete", args=[car_journey.call.pk])
    confirm = manager_client.get(url)
    assert confirm.status_code == 200
    assert "Remove the stage “First call” from the journey?" in confirm.content.decode()
    response = manager_client.post(url)
    assert response.status_code == 409
    content = response.content.decode()
    assert "Step: Answer the phone" in content
    assert "Step: Book a visit" in content


def test_manager_removes_a_situation_in_place(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:situation_delete", args=[car_journey.no_answer.pk]), **HTMX
    )
    assert response.status_code == 200
    assert not Situation.objects.filter(pk=car_journey.no_answer.pk).exists()
    assert "Nobody answers within three rings" not in response.content.decode()
    assert Activity.objects.filter(action="situation.delete").count() == 1


def test_manager_adds_a_situation_under_a_step(manager_client, car_journey):
    url = reverse("journeys:step_situation_create", args=[car_journey.book.pk])
    form = manager_client.get(url).context["form"]
    # The step's own position is suggested.
    assert form["responsible_position"].value() == car_journey.salesperson.pk
    response = manager_client.post(
        url,
        {
            "name": "Customer asks for a discount",
            "kind": SituationKind.NON_STANDARD,
            "responsible_position": car_journey.salesperson.pk,
            "description": "",
        },
        **HTMX,
    )
    assert response.status_code == 200
    situation = Situation.objects.get(name="Customer asks for a discount")
    assert situation.step == car_journey.book
    assert situation.journey == car_journey.journey


def test_manager_adds_a_cross_cutting_situation(manager_client, car_journey):
    response = manager_client.post(
        reverse("journeys:situation_create", args=[car_journey.journey.pk]),
        {
            "name": "Complaint on social media",
            "kind": SituationKind.NEGATIVE,
            "responsible_position": car_journey.salesperson.pk,
            "description": "",
        },
    )
    assert response.status_code == 302
    assert Situation.objects.get(name="Complaint on social media").step is None


def test_manager_renames_a_stage_in_place(manager_client, car_journey):
    url = reverse("journeys:stage_update", args=[car_journey.call.pk])
    marker = manager_client.get(url, **HTMX).context["form"]["updated_at"].value()
    response = manager_client.post(url, {"name": "Phone call", "updated_at": marker}, **HTMX)
    assert response.status_code == 200
    assert "Phone call" in response.content.decode()


def test_manager_adds_a_stage_and_an_empty_name_is_refused(manager_client, car_journey):
    url = reverse("journeys:stage_create", args=[car_journey.journey.pk])
    assert manager_client.post(url, {"name": "   "}, **HTMX).status_code == 422
    assert manager_client.post(url, {"name": "Delivery"}, **HTMX).status_code == 200
    assert Stage.objects.get(name="Delivery").order == 2


def test_negative_situations_are_marked_with_words_not_colour_alone(manager_client, car_journey):
    content = manager_client.get(
        reverse("journeys:map", args=[car_journey.journey.pk])
    ).content.decode()
    assert "situation-negative" in content
    assert (
        '<span class="badge badge-negative"><span aria-hidden="true">⚠</span> Negative</span>'
        in content
    )


def test_cross_cutting_situations_have_their_own_section(manager_client, car_journey):
    response = manager_client.get(reverse("journeys:map", args=[car_journey.journey.pk]))
    content = response.content.decode()
    section = content[content.index('id="cross-cutting"') :]
    assert "A bad review online" in section
    assert "Nobody answers within three rings" not in section
    assert response.context["cross_cutting"] == [car_journey.bad_review]


# Session, user, program roles, journey; stages, steps, situations, cross-cutting situations.
MAP_QUERIES = 8


def test_map_queries_do_not_grow_with_the_map(
    manager_client, car_journey, django_assert_num_queries
):
    url = reverse("journeys:map", args=[car_journey.journey.pk])
    manager_client.get(url)
    with django_assert_num_queries(MAP_QUERIES):
        manager_client.get(url)
    for number in range(6):
        stage = StageFactory.create(journey=car_journey.journey, name=f"Stage {number}")
        for _ in range(4):
            step = StepFactory.create(stage=stage)
            SituationFactory.create(step=step)
            SituationFactory.create(step=step, kind=SituationKind.NEGATIVE)
        SituationFactory.create(journey=car_journey.journey, step=None)
    with django_assert_num_queries(MAP_QUERIES):
        response = manager_client.get(url)
    assert len(response.context["stages"]) == 8

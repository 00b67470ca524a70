from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from core.edits import EditConflict
from core.models import Activity
from journeys import services
from journeys.models import Channel, Journey, Situation, SituationKind, Stage, Step
from journeys.selectors import position_duties
from tests.factories import (
    EmployeeFactory,
    JourneyFactory,
    SituationFactory,
    StageFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


def orders(queryset) -> list[tuple[str, int]]:
    return [(item.name, item.order) for item in queryset.order_by("order", "id")]


def actions() -> list[str]:
    return list(Activity.objects.order_by("id").values_list("action", flat=True))


# Journeys --------------------------------------------------------------------


def test_journey_create_records_who_created_it(manager):
    journey = services.journey_create(actor=manager.user, name="  Service visit ", description="")
    assert journey.name == "Service visit"
    entry = Activity.objects.get(action="journey.create")
    assert entry.actor == manager.user
    assert entry.target_id == str(journey.pk)


def test_it_refuses_a_second_journey_with_the_same_name(manager):
    JourneyFactory.create(name="Buying a car")
    with pytest.raises(ValidationError) as error:
        services.journey_create(actor=manager.user, name="Buying a car")
    assert "name" in error.value.message_dict
    assert Journey.objects.count() == 1


def test_journey_update_refuses_a_stale_edit_and_writes_nothing(manager, car_journey):
    journey = car_journey.journey
    seen = journey.updated_at
    services.journey_update(actor=manager.user, journey=journey, name="Renamed", description="")
    with pytest.raises(EditConflict):
        services.journey_update(
            actor=manager.user,
            journey=Journey.objects.get(pk=journey.pk),
            name="Mine",
            description="",
            expected_updated_at=seen,
        )
    assert Journey.objects.get(pk=journey.pk).name == "Renamed"


def test_a_deactivated_journey_drops_out_of_duties(manager, car_journey):
    assert position_duties(car_journey.receptionist).steps
    services.journey_set_active(actor=manager.user, journey=car_journey.journey, is_active=False)
    duties = position_duties(car_journey.receptionist)
    assert duties.steps == []
    assert duties.situations == []
    assert actions() == ["journey.deactivate"]


# Stages ----------------------------------------------------------------------


def test_stage_create_appends_at_the_end_and_closes_gaps(manager, car_journey):
    stage = services.stage_create(actor=manager.user, journey=car_journey.journey, name="Deal")
    assert orders(car_journey.journey.stages) == [("First call", 0), ("Visit", 1), ("Deal", 2)]
    assert stage.order == 2
    assert actions() == ["stage.create"]


def test_stage_move_swaps_with_its_neighbour(manager, car_journey):
    services.stage_move(actor=manager.user, stage=car_journey.visit, direction="up")
    assert orders(car_journey.journey.stages) == [("Visit", 0), ("First call", 1)]
    assert actions() == ["stage.move"]


def test_moving_the_first_stage_up_changes_nothing_and_records_nothing(manager, car_journey):
    services.stage_move(actor=manager.user, stage=car_journey.call, direction="up")
    assert orders(car_journey.journey.stages) == [("First call", 0), ("Visit", 1)]
    assert actions() == []


def test_it_refuses_an_unknown_direction(manager, car_journey):
    with pytest.raises(ValidationError):
        services.stage_move(actor=manager.user, stage=car_journey.call, direction="sideways")  # type: ignore[arg-type]


def test_reordering_does_not_make_an_open_edit_form_stale(manager, car_journey):
    seen = Stage.objects.get(pk=car_journey.call.pk).updated_at
    services.stage_move(actor=manager.user, stage=car_journey.visit, direction="up")
    stage = services.stage_update(
        actor=manager.user,
        stage=Stage.objects.get(pk=car_journey.call.pk),
        name="Phone call",
        expected_updated_at=seen,
    )
    assert stage.name == "Phone call"
    assert Stage.objects.get(pk=stage.pk).order == 1


def test_stage_update_refuses_a_stale_edit(manager, car_journey):
    seen = car_journey.call.updated_at
    services.stage_update(actor=manager.user, stage=car_journey.call, name="Their name")
    with pytest.raises(EditConflict) as error:
        services.stage_update(
            actor=manager.user,
            stage=Stage.objects.get(pk=car_journey.call.pk),
            name="My name",
            expected_updated_at=seen,
        )
    assert str(error.value.current) == "Their name"
    assert Stage.objects.get(pk=car_journey.call.pk).name == "Their name"


def test_it_refuses_deleting_a_stage_that_has_steps_and_lists_them(manager, car_journey):
    with pytest.raises(services.DeletionRefusedError) as error:
        services.stage_delete(actor=manager.user, stage=car_journey.call)
    assert error.value.used_by == ["Step: Answer the phone", "Step: Book a visit"]
    assert "Answer the phone" in error.value.messages[0]
    assert Stage.objects.filter(pk=car_journey.call.pk).exists()
    assert actions() == []


def test_stage_delete_removes_an_empty_stage_and_renumbers_the_rest(manager, car_journey):
    empty = StageFactory.create(journey=car_journey.journey, name="Empty", order=5)
    services.stage_delete(actor=manager.user, stage=empty)
    assert not Stage.objects.filter(pk=empty.pk).exists()
    assert orders(car_journey.journey.stages) == [("First call", 0), ("Visit", 1)]
    entry = Activity.objects.get(action="stage.delete")
    assert entry.target_id == str(empty.pk)


# Steps -----------------------------------------------------------------------


def test_step_create_appends_at_the_end_of_its_stage(manager, car_journey):
    step = services.step_create(
        actor=manager.user,
        stage=car_journey.call,
        name="Confirm by text",
        channel=Channel.MESSENGER,
        responsible_position=car_journey.salesperson,
    )
    assert orders(car_journey.call.steps) == [
        ("Answer the phone", 0),
        ("Book a visit", 1),
        ("Confirm by text", 2),
    ]
    assert step.owner is None
    assert actions() == ["step.create"]


def test_step_create_refuses_an_inactive_owner(manager, car_journey):
    former = EmployeeFactory.create(full_name="Gone Away", is_active=False)
    with pytest.raises(ValidationError) as error:
        services.step_create(
            actor=manager.user,
            stage=car_journey.call,
            name="Call back",
            channel=Channel.PHONE,
            responsible_position=car_journey.salesperson,
            owner=former,
        )
    assert "owner" in error.value.message_dict
    assert not Step.objects.filter(name="Call back").exists()


def test_step_create_refuses_an_unknown_channel(manager, car_journey):
    with pytest.raises(ValidationError) as error:
        services.step_create(
            actor=manager.user,
            stage=car_journey.call,
            name="Carrier pigeon",
            channel="pigeon",
            responsible_position=car_journey.salesperson,
        )
    assert "channel" in error.value.message_dict


def _update_step(actor: Any, step: Step, **changes: Any) -> Step:
    values: dict[str, Any] = {
        "stage": step.stage,
        "name": step.name,
        "channel": step.channel,
        "responsible_position": step.responsible_position,
        "owner": step.owner,
        "description": step.description,
    }
    values.update(changes)
    return services.step_update(actor=actor, step=step, **values)


def test_step_update_keeps_an_owner_who_left_but_refuses_choosing_one(manager, car_journey):
    owner = EmployeeFactory.create(full_name="Anna Owner")
    step = _update_step(manager.user, car_journey.answer, owner=owner)
    owner.is_active = False
    owner.save()
    step = _update_step(manager.user, Step.objects.get(pk=step.pk), name="Answer quickly")
    assert step.owner == owner
    other = EmployeeFactory.create(full_name="Also Gone", is_active=False)
    with pytest.raises(ValidationError):
        _update_step(manager.user, Step.objects.get(pk=step.pk), owner=other)


def test_moving_a_step_to_another_stage_puts_it_last_there_and_closes_the_gap(manager, car_journey):
    _update_step(manager.user, car_journey.answer, stage=car_journey.visit)
    assert orders(car_journey.call.steps) == [("Book a visit", 0)]
    assert orders(car_journey.visit.steps) == [("Greet at the door", 0), ("Answer the phone", 1)]
    # Its situations travel with it.
    assert Situation.objects.get(pk=car_journey.no_answer.pk).step_id == car_journey.answer.pk


def test_it_refuses_moving_a_step_to_a_stage_of_another_journey(manager, car_journey):
    elsewhere = StageFactory.create(name="Elsewhere")
    with pytest.raises(ValidationError) as error:
        _update_step(manager.user, car_journey.answer, stage=elsewhere)
    assert "stage" in error.value.message_dict
    assert Step.objects.get(pk=car_journey.answer.pk).stage_id == car_journey.call.pk


def test_step_update_refuses_a_stale_edit(manager, car_journey):
    seen = car_journey.book.updated_at
    _update_step(manager.user, car_journey.book, name="Book a test drive")
    with pytest.raises(EditConflict):
        _update_step(
            manager.user,
            Step.objects.get(pk=car_journey.book.pk),
            name="Mine",
            expected_updated_at=seen,
        )
    assert Step.objects.get(pk=car_journey.book.pk).name == "Book a test drive"


def test_step_move_down_and_up(manager, car_journey):
    services.step_move(actor=manager.user, step=car_journey.answer, direction="down")
    assert orders(car_journey.call.steps) == [("Book a visit", 0), ("Answer the phone", 1)]
    services.step_move(actor=manager.user, step=car_journey.answer, direction="up")
    assert orders(car_journey.call.steps) == [("Answer the phone", 0), ("Book a visit", 1)]
    assert actions() == ["step.move", "step.move"]


def test_it_refuses_deleting_a_step_with_situations_and_lists_them(manager, car_journey):
    with pytest.raises(services.DeletionRefusedError) as error:
        services.step_delete(actor=manager.user, step=car_journey.answer)
    assert error.value.used_by == ["Situation: Nobody answers within three rings"]
    assert Step.objects.filter(pk=car_journey.answer.pk).exists()


def test_a_long_list_of_users_is_cut_short(manager, car_journey):
    for number in range(services.USED_BY_SHOWN + 5):
        SituationFactory.create(step=car_journey.book, name=f"Case {number:02d}")
    with pytest.raises(services.DeletionRefusedError) as error:
        services.step_delete(actor=manager.user, step=car_journey.book)
    assert len(error.value.used_by) == services.USED_BY_SHOWN + 1
    assert error.value.used_by[-1] == "… and 5 more"


def test_step_delete_renumbers_the_rest_of_its_stage(manager, car_journey):
    extra = StepFactory.create(stage=car_journey.call, name="Extra", order=99)
    services.step_delete(actor=manager.user, step=car_journey.book)
    assert orders(car_journey.call.steps) == [("Answer the phone", 0), ("Extra", 1)]
    assert Step.objects.filter(pk=extra.pk).exists()
    assert actions() == ["step.delete"]


# Situations ------------------------------------------------------------------


def test_situation_create_at_a_step_appends_it_there(manager, car_journey):
    situation = services.situation_create(
        actor=manager.user,
        journey=car_journey.journey,
        step=car_journey.answer,
        name="Caller is rude",
        kind=SituationKind.NON_STANDARD,
        responsible_position=car_journey.receptionist,
    )
    assert orders(car_journey.answer.situations) == [
        ("Nobody answers within three rings", 0),
        ("Caller is rude", 1),
    ]
    assert situation.journey == car_journey.journey
    assert actions() == ["situation.create"]


def test_it_refuses_a_situation_at_a_step_of_another_journey(manager, car_journey):
    foreign_step = StepFactory.create(name="Foreign")
    with pytest.raises(ValidationError) as error:
        services.situation_create(
            actor=manager.user,
            journey=car_journey.journey,
            step=foreign_step,
            name="Mixed up",
            kind=SituationKind.ROUTINE,
            responsible_position=car_journey.receptionist,
        )
    assert "step" in error.value.message_dict
    assert not Situation.objects.filter(name="Mixed up").exists()


def test_it_refuses_moving_a_situation_to_a_step_of_another_journey(manager, car_journey):
    foreign_step = StepFactory.create(name="Foreign")
    with pytest.raises(ValidationError):
        services.situation_update(
            actor=manager.user,
            situation=car_journey.no_answer,
            step=foreign_step,
            name="Nobody answers",
            kind=SituationKind.NEGATIVE,
            responsible_position=car_journey.receptionist,
            description="",
        )
    assert Situation.objects.get(pk=car_journey.no_answer.pk).step == car_journey.answer


def test_it_refuses_an_unknown_kind(manager, car_journey):
    with pytest.raises(ValidationError) as error:
        services.situation_create(
            actor=manager.user,
            journey=car_journey.journey,
            name="Odd",
            kind="weird",
            responsible_position=car_journey.receptionist,
        )
    assert "kind" in error.value.message_dict


def test_making_a_situation_cross_cutting_puts_it_last_in_that_list(manager, car_journey):
    services.situation_update(
        actor=manager.user,
        situation=car_journey.no_answer,
        step=None,
        name="Nobody answers within three rings",
        kind=SituationKind.NEGATIVE,
        responsible_position=car_journey.receptionist,
        description="",
    )
    cross_cutting = Situation.objects.filter(journey=car_journey.journey, step__isnull=True)
    assert orders(cross_cutting) == [
        ("A bad review online", 0),
        ("Nobody answers within three rings", 1),
    ]
    assert not car_journey.answer.situations.exists()


def test_situation_update_refuses_a_stale_edit(manager, car_journey):
    seen = car_journey.bad_review.updated_at
    fields = {
        "step": None,
        "kind": SituationKind.NEGATIVE,
        "responsible_position": car_journey.salesperson,
        "description": "",
    }
    services.situation_update(
        actor=manager.user, situation=car_journey.bad_review, name="Theirs", **fields
    )
    with pytest.raises(EditConflict):
        services.situation_update(
            actor=manager.user,
            situation=Situation.objects.get(pk=car_journey.bad_review.pk),
            name="Mine",
            expected_updated_at=seen,
            **fields,
        )
    assert Situation.objects.get(pk=car_journey.bad_review.pk).name == "Theirs"


def test_cross_cutting_situations_move_among_themselves(manager, car_journey):
    second = SituationFactory.create(
        journey=car_journey.journey, step=None, name="Complaint to the brand", order=20
    )
    services.situation_move(actor=manager.user, situation=second, direction="up")
    cross_cutting = Situation.objects.filter(journey=car_journey.journey, step__isnull=True)
    assert orders(cross_cutting) == [("Complaint to the brand", 0), ("A bad review online", 1)]
    # The situations at steps are a list of their own and stay as they were.
    assert Situation.objects.get(pk=car_journey.no_answer.pk).order == 4


def test_situation_delete_renumbers_the_rest(manager, car_journey):
    later = SituationFactory.create(step=car_journey.answer, name="Line is busy", order=30)
    services.situation_delete(actor=manager.user, situation=car_journey.no_answer)
    assert orders(car_journey.answer.situations) == [("Line is busy", 0)]
    assert Situation.objects.filter(pk=later.pk).exists()
    assert actions() == ["situation.delete"]

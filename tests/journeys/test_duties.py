from __future__ import annotations

import pytest
from django.urls import reverse

from journeys.models import SituationKind
from journeys.selectors import position_duties
from tests.factories import (
    EmployeeFactory,
    JourneyFactory,
    SituationFactory,
    StageFactory,
    StepFactory,
)

pytestmark = pytest.mark.django_db


def test_duties_list_exactly_the_positions_steps_and_situations(car_journey):
    # A situation the receptionist answers for at somebody else's step, and noise.
    busy = SituationFactory.create(
        step=car_journey.book,
        name="Line is busy",
        kind=SituationKind.ROUTINE,
        responsible_position=car_journey.receptionist,
    )
    SituationFactory.create(
        step=car_journey.answer, name="Not mine", responsible_position=car_journey.salesperson
    )
    inactive = JourneyFactory.create(name="Old journey", is_active=False)
    StepFactory.create(
        stage=StageFactory.create(journey=inactive), responsible_position=car_journey.receptionist
    )

    duties = position_duties(car_journey.receptionist)

    assert duties.steps == [car_journey.answer, car_journey.greet]
    assert sorted(situation.pk for situation in duties.situations) == sorted(
        [car_journey.no_answer.pk, busy.pk]
    )


def test_duties_are_grouped_by_journey_and_stage_in_map_order(car_journey):
    # Visit is moved before First call: the grouping follows the map, not the names.
    car_journey.visit.order = 0
    car_journey.visit.save()
    car_journey.call.order = 1
    car_journey.call.save()
    later = JourneyFactory.create(name="Servicing")
    StepFactory.create(
        stage=StageFactory.create(journey=later, name="Booking"),
        name="Book a service",
        responsible_position=car_journey.salesperson,
    )

    groups = position_duties(car_journey.salesperson).by_journey

    assert [group.journey.name for group in groups] == ["Buying a car", "Servicing"]
    buying = groups[0]
    assert [stage.stage.name for stage in buying.stages] == ["First call"]
    assert buying.stages[0].steps == [car_journey.book]
    assert buying.cross_cutting == [car_journey.bad_review]
    assert [step.name for step in groups[1].stages[0].steps] == ["Book a service"]


def test_duties_page_shows_the_duties_and_who_holds_the_position(
    manager_client, company, car_journey
):
    EmployeeFactory.create(
        full_name="Rita Reception", position=car_journey.receptionist, department=company.service
    )
    EmployeeFactory.create(
        full_name="Former Reception",
        position=car_journey.receptionist,
        department=company.service,
        is_active=False,
    )
    response = manager_client.get(
        reverse("journeys:position_duties", args=[car_journey.receptionist.pk])
    )
    content = response.content.decode()
    assert response.status_code == 200
    for name in ["Answer the phone", "Greet at the door", "Nobody answers within three rings"]:
        assert name in content
    for name in ["Book a visit", "A bad review online"]:
        assert name not in content
    assert "Rita Reception" in content
    assert "Former Reception" not in content


def test_a_branch_manager_sees_only_the_holders_in_their_branch(
    sales_manager_client, company, car_journey
):
    EmployeeFactory.create(
        full_name="Sam Sales", position=car_journey.receptionist, department=company.used_cars
    )
    EmployeeFactory.create(
        full_name="Sid Service", position=car_journey.receptionist, department=company.service
    )
    response = sales_manager_client.get(
        reverse("journeys:position_duties", args=[car_journey.receptionist.pk])
    )
    assert [employee.full_name for employee in response.context["holders"]] == ["Sam Sales"]


def test_an_auditor_sees_the_duties_but_not_the_people(auditor_client, company, car_journey):
    EmployeeFactory.create(
        full_name="Rita Reception", position=car_journey.receptionist, department=company.service
    )
    response = auditor_client.get(
        reverse("journeys:position_duties", args=[car_journey.receptionist.pk])
    )
    content = response.content.decode()
    assert "Answer the phone" in content
    assert "Rita Reception" not in content
    assert "Who holds this position" not in content


def test_a_position_without_duties_says_so(manager_client, manager):
    response = manager_client.get(reverse("journeys:position_duties", args=[manager.position.pk]))
    assert "No journey step or situation names this position as responsible yet." in (
        response.content.decode()
    )


def test_staff_see_their_own_duties_on_the_start_page(staff_client, staff_member, car_journey):
    StepFactory.create(
        stage=car_journey.visit, name="Show the car", responsible_position=staff_member.position
    )
    content = staff_client.get("/").content.decode()
    assert "My duties" in content
    assert "Show the car" in content
    assert "Answer the phone" not in content
    # Staff cannot open the map, so the duties do not link to it.
    assert reverse("journeys:map", args=[car_journey.journey.pk]) not in content

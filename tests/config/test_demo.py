from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from journeys.models import Journey, Situation, SituationKind, Step
from roles.demo import DEMO_PASSWORD
from roles.models import Department, Employee, Position

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Department.objects.count(),
        Position.objects.count(),
        Employee.objects.count(),
        Journey.objects.count(),
        Step.objects.count(),
        Situation.objects.count(),
        get_user_model().objects.count(),
    )


def test_it_loads_a_dealership_with_the_promised_size():
    call_command("load_demo", stdout=StringIO())
    journey = Journey.objects.get(name="Покупка автомобиля")
    assert Step.objects.filter(stage__journey=journey).count() >= 15
    assert Situation.objects.filter(journey=journey).count() >= 8
    assert Position.objects.count() >= 5
    assert Employee.objects.count() >= 12
    names = set(Situation.objects.values_list("name", flat=True))
    assert {
        "Клиент просит скидку",
        "Клиент ждёт дольше 10 минут",
        "Негативный отзыв в интернете",
        "Грубый ответ по телефону",
    } <= names
    assert Situation.objects.filter(kind=SituationKind.NEGATIVE, step__isnull=True).exists()


def test_running_it_twice_changes_nothing():
    call_command("load_demo", stdout=StringIO())
    first = _counts()
    call_command("load_demo", stdout=StringIO())
    assert _counts() == first


def test_it_prints_a_login_for_each_role():
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for login in ("manager", "auditor", "staff", "api"):
        assert f"  {login} " in text


def test_the_demo_logins_work_and_staff_are_linked_to_employees(client):
    call_command("load_demo", stdout=StringIO())
    assert client.login(username="staff", password=DEMO_PASSWORD)
    staff = get_user_model().objects.get(username="staff")
    assert staff.employee.position.name == "Менеджер по продажам"


def test_the_tree_paths_are_consistent():
    call_command("load_demo", stdout=StringIO())
    for department in Department.objects.select_related("parent"):
        parent_path = department.parent.path if department.parent else ""
        assert department.path == f"{parent_path}{department.pk}/"

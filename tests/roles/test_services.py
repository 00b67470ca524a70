from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError

from core.edits import EditConflict
from core.models import Activity
from roles import services
from roles.models import Department, Gender, ProgramRole
from tests.factories import DepartmentFactory, EmployeeFactory, PositionFactory

pytestmark = pytest.mark.django_db


def _paths(*departments: Department) -> list[str]:
    for department in departments:
        department.refresh_from_db()
    return [department.path for department in departments]


def test_moving_a_department_repaths_its_whole_subtree(company, manager):
    lot = DepartmentFactory.create(name="Lot", parent=company.used_cars)
    services.department_update(
        actor=manager.user,
        department=company.sales,
        name="Sales",
        parent=company.service,
        head=None,
    )
    sales, used_cars, lot_path = _paths(company.sales, company.used_cars, lot)
    assert sales == f"{company.service.path}{company.sales.pk}/"
    assert used_cars == f"{sales}{company.used_cars.pk}/"
    assert lot_path == f"{used_cars}{lot.pk}/"
    assert Activity.objects.filter(
        action="department.update", target_id=str(company.sales.pk)
    ).exists()


def test_it_refuses_to_move_a_department_inside_its_own_subtree(company, manager):
    with pytest.raises(ValidationError) as error:
        services.department_update(
            actor=manager.user,
            department=company.sales,
            name="Sales",
            parent=company.used_cars,
            head=None,
        )
    assert "parent" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.department_update(
            actor=manager.user,
            department=company.sales,
            name="Sales",
            parent=company.sales,
            head=None,
        )
    assert _paths(company.sales) == [f"{company.root.path}{company.sales.pk}/"]


def test_it_refuses_a_stale_update(company, manager):
    opened_at = company.sales.updated_at
    services.department_update(
        actor=manager.user, department=company.sales, name="Renamed", parent=company.root, head=None
    )
    with pytest.raises(EditConflict):
        services.department_update(
            actor=manager.user,
            department=company.sales,
            name="Mine",
            parent=company.root,
            head=None,
            expected_updated_at=opened_at,
        )


def test_an_unchanged_save_records_no_activity(company, manager):
    before = Activity.objects.count()
    services.department_update(
        actor=manager.user,
        department=company.service,
        name="Service",
        parent=company.root,
        head=None,
    )
    assert Activity.objects.count() == before


def test_it_refuses_to_deactivate_a_department_with_active_employees_below(company, manager):
    EmployeeFactory.create(department=company.used_cars)
    with pytest.raises(ValidationError, match="still has 1 active employee"):
        services.department_set_active(
            actor=manager.user, department=company.sales, is_active=False
        )
    company.sales.refresh_from_db()
    assert company.sales.is_active


def test_deactivating_takes_the_empty_departments_below_along(company, manager):
    EmployeeFactory.create(department=company.used_cars, is_active=False)
    services.department_set_active(actor=manager.user, department=company.sales, is_active=False)
    company.used_cars.refresh_from_db()
    assert not company.used_cars.is_active
    entry = Activity.objects.get(action="department.deactivate")
    assert entry.data == {"also_deactivated": ["Used cars"]}


def test_it_reactivates_only_under_an_active_parent(company, manager):
    services.department_set_active(actor=manager.user, department=company.sales, is_active=False)
    company.used_cars.refresh_from_db()
    with pytest.raises(ValidationError, match="parent department “Sales” first"):
        services.department_set_active(
            actor=manager.user, department=company.used_cars, is_active=True
        )
    services.department_set_active(actor=manager.user, department=company.sales, is_active=True)
    company.used_cars.refresh_from_db()
    services.department_set_active(actor=manager.user, department=company.used_cars, is_active=True)
    company.used_cars.refresh_from_db()
    assert company.used_cars.is_active


def test_it_refuses_new_employees_in_a_deactivated_department(company, manager):
    services.department_set_active(actor=manager.user, department=company.service, is_active=False)
    company.service.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        services.employee_create(
            actor=manager.user,
            personnel_number="N-1",
            full_name="Late Hire",
            department=company.service,
            position=PositionFactory.create(),
            gender=Gender.MALE,
            hire_date=datetime.date(2024, 1, 1),
        )
    assert "department" in error.value.message_dict


def test_an_employee_may_stay_in_a_department_deactivated_after_they_left(company, manager):
    leaver = EmployeeFactory.create(department=company.service, is_active=False)
    services.department_set_active(actor=manager.user, department=company.service, is_active=False)
    leaver.refresh_from_db()
    services.employee_update(actor=manager.user, employee=leaver, full_name="Renamed Leaver")
    leaver.refresh_from_db()
    assert leaver.full_name == "Renamed Leaver"
    with pytest.raises(ValidationError, match="Reactivate the department “Service” first"):
        services.employee_set_active(actor=manager.user, employee=leaver, is_active=True)


def test_position_names_are_unique_ignoring_case_beyond_ascii(manager):
    services.position_create(actor=manager.user, name="Кассир")
    with pytest.raises(ValidationError):
        services.position_create(actor=manager.user, name="КАССИР")


def test_a_position_held_by_active_employees_cannot_be_deactivated(company, manager):
    position = PositionFactory.create(name="Cashier")
    EmployeeFactory.create(position=position, department=company.service)
    with pytest.raises(ValidationError, match="1 active employee holds"):
        services.position_set_active(actor=manager.user, position=position, is_active=False)


def test_a_login_gets_only_the_roles_a_manager_may_give(company, manager):
    employee = EmployeeFactory.create(department=company.sales)
    with pytest.raises(ValidationError) as error:
        services.employee_create_login(
            actor=manager.user,
            employee=employee,
            username="x",
            password="Plenty-of-letters-42",
            roles=[ProgramRole.API_CLIENT],
        )
    assert "roles" in error.value.message_dict
    services.employee_create_login(
        actor=manager.user,
        employee=employee,
        username="x",
        password="Plenty-of-letters-42",
        roles=["staff"],
    )
    employee.refresh_from_db()
    assert employee.user is not None
    assert employee.user.employee == employee
    assert list(employee.user.groups.values_list("name", flat=True)) == ["staff"]


def test_a_login_password_must_pass_the_password_rules(company, manager):
    employee = EmployeeFactory.create(department=company.sales, full_name="Maria Ivanova")
    with pytest.raises(ValidationError) as error:
        services.employee_create_login(
            actor=manager.user,
            employee=employee,
            username="maria",
            password="maria",
            roles=["staff"],
        )
    assert "password" in error.value.message_dict
    employee.refresh_from_db()
    assert employee.user is None

from __future__ import annotations

import pytest

from roles.models import Employee, ProgramRole
from roles.selectors import departments_visible_to, employee_search, employees_visible_to
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _names(queryset) -> set[str]:
    return {item.name for item in queryset}


def test_the_company_manager_sees_every_department(company, manager):
    assert _names(departments_visible_to(manager.user)) == {
        "Dealership",
        "Sales",
        "Used cars",
        "Service",
    }


def test_manager_of_sales_cannot_see_service(company, sales_manager):
    assert _names(departments_visible_to(sales_manager.user)) == {"Sales", "Used cars"}


def test_a_superuser_sees_everything(company):
    admin = UserFactory.create(username="root", is_superuser=True)
    assert departments_visible_to(admin).count() == 4


@pytest.mark.parametrize("persona", ["auditor", "outsider"])
def test_people_without_the_manager_role_see_no_departments(request, company, persona):
    user = request.getfixturevalue(persona)
    assert not departments_visible_to(user).exists()
    assert not employees_visible_to(user).exists()


def test_staff_see_no_departments_even_their_own(company, staff_member):
    assert not departments_visible_to(staff_member.user).exists()


def test_a_manager_without_an_employee_record_sees_nothing(company):
    lonely = UserFactory.create(username="lonely", roles=[ProgramRole.MANAGER])
    assert not departments_visible_to(lonely).exists()


def test_employees_are_scoped_to_the_subtree(company, sales_manager):
    EmployeeFactory.create(full_name="In used cars", department=company.used_cars)
    EmployeeFactory.create(full_name="In service", department=company.service)
    names = {employee.full_name for employee in employees_visible_to(sales_manager.user)}
    assert "In used cars" in names
    assert "In service" not in names


def test_russian_search_is_case_insensitive_on_every_database(company):
    EmployeeFactory.create(full_name="Иван Петров", department=company.sales)
    EmployeeFactory.create(full_name="Мария Иванова", department=company.sales)
    EmployeeFactory.create(full_name="Пётр Сидоров", department=company.sales)
    found = employee_search(queryset=Employee.objects.all(), query="иван")
    assert {employee.full_name for employee in found} == {"Иван Петров", "Мария Иванова"}
    found = employee_search(queryset=Employee.objects.all(), query="ПЁТР")
    assert [employee.full_name for employee in found] == ["Пётр Сидоров"]

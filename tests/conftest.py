"""Personas shared by every test: who is looking, and what they work in.

The company: "Dealership" (root) > "Sales", "Service"; "Sales" > "Used cars".
- manager: company-wide manager (works in the root department)
- sales_manager: manager of Sales (sees Sales and Used cars only)
- auditor, staff_member (a salesperson in Sales with a login), outsider (a login with no role)
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.test import Client

from roles.models import Department, Employee, ProgramRole
from tests.factories import DepartmentFactory, EmployeeFactory, PositionFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# to run inside one unless told it is safe (the tests own the thread).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Files go to a temporary folder; pages speak English unless a test asks for Russian
    (send HTTP_ACCEPT_LANGUAGE="ru")."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private_media"
    settings.LANGUAGE_CODE = "en"
    # Hashing passwords the production way costs a second per login in a test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_program_roles() -> None:
    """Transactional tests (browser, integration) empty every table when they end, the
    role groups that the migrations create included; tests that run after them call
    this to have the groups again."""
    from django.contrib.auth.models import Group

    for role in ProgramRole.values:
        Group.objects.get_or_create(name=role)


@dataclass
class Company:
    root: Department
    sales: Department
    used_cars: Department
    service: Department


@pytest.fixture
def company(db) -> Company:
    root = DepartmentFactory.create(name="Dealership")
    sales = DepartmentFactory.create(name="Sales", parent=root)
    used_cars = DepartmentFactory.create(name="Used cars", parent=sales)
    service = DepartmentFactory.create(name="Service", parent=root)
    return Company(root=root, sales=sales, used_cars=used_cars, service=service)


def _login_employee(
    *, username: str, roles: list[str], department: Department, position_name: str
) -> Employee:
    user = UserFactory.create(username=username, roles=roles)
    return EmployeeFactory.create(
        full_name=username.replace("_", " ").title(),
        department=department,
        position=PositionFactory(name=position_name),
        user=user,
    )


@pytest.fixture
def manager(company: Company) -> Employee:
    return _login_employee(
        username="manager",
        roles=[ProgramRole.MANAGER],
        department=company.root,
        position_name="Director",
    )


@pytest.fixture
def sales_manager(company: Company) -> Employee:
    return _login_employee(
        username="sales_manager",
        roles=[ProgramRole.MANAGER],
        department=company.sales,
        position_name="Head of sales",
    )


@pytest.fixture
def auditor(db):
    return UserFactory(username="auditor", roles=[ProgramRole.AUDITOR])


@pytest.fixture
def staff_member(company: Company) -> Employee:
    return _login_employee(
        username="staff_member",
        roles=[ProgramRole.STAFF],
        department=company.sales,
        position_name="Salesperson",
    )


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


def login_of(employee: Employee) -> User:
    """The login of a persona that has one (every persona here but the auditor)."""
    assert employee.user is not None
    return employee.user


def _client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager: Employee) -> Client:
    return _client_for(manager.user)


@pytest.fixture
def sales_manager_client(sales_manager: Employee) -> Client:
    return _client_for(sales_manager.user)


@pytest.fixture
def auditor_client(auditor) -> Client:
    return _client_for(auditor)


@pytest.fixture
def staff_client(staff_member: Employee) -> Client:
    return _client_for(staff_member.user)


@pytest.fixture
def outsider_client(outsider) -> Client:
    return _client_for(outsider)

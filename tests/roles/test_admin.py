from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core.models import Activity
from roles.models import EmployeeImport
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(db) -> Client:
    client = Client()
    client.force_login(UserFactory.create(username="admin", is_superuser=True, is_staff=True))
    return client


def test_moving_a_department_in_the_admin_repaths_its_subtree(admin_client_, company):
    response = admin_client_.post(
        reverse("admin:roles_department_change", args=[company.sales.pk]),
        {"name": "Sales", "parent": company.service.pk, "head": ""},
    )
    assert response.status_code == 302
    company.used_cars.refresh_from_db()
    assert company.used_cars.path.startswith(company.service.path)
    assert Activity.objects.filter(
        action="department.update", target_id=str(company.sales.pk)
    ).exists()


def test_adding_a_department_in_the_admin_sets_its_path(admin_client_, company):
    admin_client_.post(
        reverse("admin:roles_department_add"), {"name": "Parts", "parent": company.service.pk}
    )
    activity = Activity.objects.get(action="department.create")
    assert activity.summary == "Department “Parts” created"


def test_history_and_imports_are_read_only_in_the_admin(admin_client_, manager):
    employee_import = EmployeeImport.objects.create(uploaded_by=manager.user, file_name="x.csv")
    assert admin_client_.get(reverse("admin:core_activity_changelist")).status_code == 200
    assert admin_client_.get(reverse("admin:core_activity_add")).status_code == 403
    assert admin_client_.get(reverse("admin:roles_employeeimport_changelist")).status_code == 200
    response = admin_client_.post(
        reverse("admin:roles_employeeimport_delete", args=[employee_import.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert EmployeeImport.objects.filter(pk=employee_import.pk).exists()

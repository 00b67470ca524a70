from __future__ import annotations

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from core.models import Activity
from roles.models import Employee, Gender, ProgramRole
from tests.factories import EmployeeFactory, PositionFactory

from .conftest import HTMX, NOT_MANAGERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def mechanic(company) -> Employee:
    return EmployeeFactory.create(
        full_name="Oleg Mechanic",
        personnel_number="S-1",
        department=company.service,
        position=PositionFactory.create(name="Mechanic"),
        gender=Gender.MALE,
    )


@pytest.fixture
def seller(company) -> Employee:
    return EmployeeFactory.create(
        full_name="Anna Seller",
        personnel_number="U-1",
        department=company.used_cars,
        position=PositionFactory.create(name="Salesperson"),
    )


def _edit_data(employee: Employee, **overrides: object) -> dict[str, object]:
    employee.refresh_from_db()
    data: dict[str, object] = {
        "personnel_number": employee.personnel_number,
        "full_name": employee.full_name,
        "department": employee.department_id,
        "position": employee.position_id,
        "gender": employee.gender,
        "hire_date": employee.hire_date.isoformat() if employee.hire_date else "",
        "email": employee.email,
        "updated_at": employee.updated_at.isoformat(),
    }
    data.update(overrides)
    return data


def _names(response) -> list[str]:
    return [employee.full_name for employee in response.context["page"]]


# The list ------------------------------------------------------------------------------


def test_manager_sees_every_active_employee(manager_client, mechanic, seller):
    response = manager_client.get(reverse("roles:employee_list"))
    assert response.status_code == 200
    assert {"Oleg Mechanic", "Anna Seller", "Manager"} <= set(_names(response))


def test_sales_manager_sees_the_sales_subtree_only(sales_manager_client, mechanic, seller):
    names = _names(sales_manager_client.get(reverse("roles:employee_list")))
    assert "Anna Seller" in names
    assert "Oleg Mechanic" not in names


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("anna", "Anna Seller"),
        ("S-1", "Oleg Mechanic"),
        ("used", "Anna Seller"),
        ("mechan", "Oleg Mechanic"),
    ],
)
def test_search_matches_name_number_department_and_position(
    manager_client, mechanic, seller, query, expected
):
    names = _names(manager_client.get(reverse("roles:employee_list"), {"q": query}))
    assert expected in names
    assert len(names) == 1


def test_russian_search_ignores_case(manager_client, company):
    EmployeeFactory.create(full_name="Иван Петров", department=company.sales)
    EmployeeFactory.create(full_name="Пётр Сидоров", department=company.sales)
    names = _names(manager_client.get(reverse("roles:employee_list"), {"q": "иван"}))
    assert names == ["Иван Петров"]


def test_department_filter_includes_the_departments_below(
    manager_client, mechanic, seller, staff_member
):
    names = _names(
        manager_client.get(
            reverse("roles:employee_list"), {"department": seller.department.parent_id}
        )
    )
    assert set(names) == {"Anna Seller", "Staff Member"}


def test_position_and_status_filters(manager_client, mechanic, seller):
    gone = EmployeeFactory.create(
        full_name="Gone Seller",
        department=seller.department,
        position=seller.position,
        is_active=False,
    )
    response = manager_client.get(reverse("roles:employee_list"), {"position": seller.position_id})
    assert _names(response) == ["Anna Seller"]
    response = manager_client.get(reverse("roles:employee_list"), {"status": "inactive"})
    assert _names(response) == [gone.full_name]
    response = manager_client.get(
        reverse("roles:employee_list"), {"status": "all", "position": seller.position_id}
    )
    assert set(_names(response)) == {"Anna Seller", "Gone Seller"}


def test_a_department_outside_scope_in_the_filter_is_ignored(
    sales_manager_client, mechanic, seller
):
    response = sales_manager_client.get(
        reverse("roles:employee_list"), {"department": mechanic.department_id}
    )
    assert response.status_code == 200
    assert "Oleg Mechanic" not in _names(response)


def test_search_answers_htmx_with_the_results_only(manager_client, seller):
    response = manager_client.get(reverse("roles:employee_list"), {"q": "anna"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="employee-results">')
    assert "<html" not in html


def test_the_list_is_paginated_by_50(manager_client, company):
    EmployeeFactory.create_batch(55, department=company.sales)
    response = manager_client.get(reverse("roles:employee_list"))
    assert len(response.context["page"].object_list) == 50
    second = manager_client.get(reverse("roles:employee_list"), {"page": 2})
    assert len(second.context["page"].object_list) == 56 - 50


def test_the_list_makes_the_same_number_of_queries_for_more_employees(
    manager_client, company, django_assert_max_num_queries
):
    EmployeeFactory.create_batch(3, department=company.sales)
    with django_assert_max_num_queries(14) as few:
        manager_client.get(reverse("roles:employee_list"))
    EmployeeFactory.create_batch(60, department=company.service, user=None)
    for employee in EmployeeFactory.create_batch(5, department=company.sales):
        employee.user = get_user_model().objects.create_user(username=f"login-{employee.pk}")
        employee.save()
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = manager_client.get(reverse("roles:employee_list"))
    assert response.status_code == 200


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_get_403(request, persona, seller):
    client = request.getfixturevalue(persona)
    for url in (
        reverse("roles:employee_list"),
        reverse("roles:employee_detail", args=[seller.pk]),
        reverse("roles:employee_edit", args=[seller.pk]),
        reverse("roles:employee_row", args=[seller.pk]),
    ):
        assert client.get(url).status_code == 403
    for url in (
        reverse("roles:employee_create"),
        reverse("roles:employee_set_active", args=[seller.pk]),
        reverse("roles:employee_login_create", args=[seller.pk]),
    ):
        assert client.post(url, {"is_active": "0"}).status_code == 403


def test_anonymous_is_sent_to_login(client, seller):
    for url in (reverse("roles:employee_list"), reverse("roles:employee_detail", args=[seller.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_wrong_methods_are_405(manager_client, seller):
    assert manager_client.post(reverse("roles:employee_list")).status_code == 405
    assert manager_client.get(reverse("roles:employee_create")).status_code == 405
    assert (
        manager_client.post(reverse("roles:employee_detail", args=[seller.pk])).status_code == 405
    )
    assert (
        manager_client.get(reverse("roles:employee_set_active", args=[seller.pk])).status_code
        == 405
    )
    assert (
        manager_client.get(reverse("roles:employee_login_create", args=[seller.pk])).status_code
        == 405
    )
    assert manager_client.put(reverse("roles:employee_edit", args=[seller.pk])).status_code == 405


def test_sales_manager_gets_404_on_a_service_employee(sales_manager_client, mechanic):
    for name in ("roles:employee_detail", "roles:employee_edit", "roles:employee_row"):
        assert (
            sales_manager_client.get(reverse(name, args=[mechanic.pk]), **HTMX).status_code == 404
        )
    for name in ("roles:employee_set_active", "roles:employee_login_create", "roles:employee_edit"):
        response = sales_manager_client.post(reverse(name, args=[mechanic.pk]), {"is_active": "0"})
        assert response.status_code == 404
    mechanic.refresh_from_db()
    assert mechanic.is_active


# Create and edit ----------------------------------------------------------------------------


def test_manager_adds_an_employee_inline(manager_client, company, seller):
    response = manager_client.post(
        reverse("roles:employee_create"),
        {
            "personnel_number": "N-7",
            "full_name": "New Person",
            "department": company.sales.pk,
            "position": seller.position_id,
            "gender": "male",
            "hire_date": "2024-03-01",
            "email": "new@example.com",
        },
        **HTMX,
    )
    assert response.status_code == 200
    employee = Employee.objects.get(personnel_number="N-7")
    assert employee.hire_date == datetime.date(2024, 3, 1)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="employee-{employee.pk}"')
    assert 'hx-swap-oob="true"' in html
    assert Activity.objects.filter(action="employee.create", target_id=str(employee.pk)).exists()


def test_create_errors_are_422_and_keep_what_was_typed(manager_client, company, seller):
    response = manager_client.post(
        reverse("roles:employee_create"),
        {
            "personnel_number": seller.personnel_number,
            "full_name": "Typed Name",
            "department": company.sales.pk,
            "position": seller.position_id,
            "gender": "female",
            "email": "not-an-email",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#employee-create"
    html = response.content.decode()
    assert 'value="Typed Name"' in html
    assert "valid email" in html


def test_a_duplicate_personnel_number_is_refused(manager_client, company, seller):
    response = manager_client.post(
        reverse("roles:employee_create"),
        {
            "personnel_number": seller.personnel_number,
            "full_name": "Twin",
            "department": company.sales.pk,
            "position": seller.position_id,
            "gender": "female",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert not Employee.objects.filter(full_name="Twin").exists()


def test_sales_manager_cannot_add_to_service(sales_manager_client, company, seller):
    response = sales_manager_client.post(
        reverse("roles:employee_create"),
        {
            "personnel_number": "X-1",
            "full_name": "Sneaky",
            "department": company.service.pk,
            "position": seller.position_id,
            "gender": "female",
        },
        **HTMX,
    )
    assert response.status_code == 422
    assert not Employee.objects.filter(personnel_number="X-1").exists()


def test_department_choices_are_the_managers_subtree(sales_manager_client, company):
    response = sales_manager_client.get(reverse("roles:employee_list"))
    choices = {
        value
        for value, _label in response.context["create_form"].fields["department"].choices
        if value
    }
    assert choices == {company.sales.pk, company.used_cars.pk}


def test_edit_row_then_save_returns_the_row(manager_client, seller, company):
    response = manager_client.get(reverse("roles:employee_edit", args=[seller.pk]), **HTMX)
    assert response.status_code == 200
    assert 'class="editing"' in response.content.decode()
    response = manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]),
        _edit_data(seller, full_name="Anna Seller-Smith", department=company.sales.pk),
        **HTMX,
    )
    assert response.status_code == 200
    assert "Anna Seller-Smith" in response.content.decode()
    seller.refresh_from_db()
    assert seller.department == company.sales


def test_invalid_edit_is_422_and_keeps_what_was_typed(manager_client, seller):
    response = manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]),
        _edit_data(seller, full_name="Typed", gender="unknown"),
        **HTMX,
    )
    assert response.status_code == 422
    assert 'value="Typed"' in response.content.decode()
    seller.refresh_from_db()
    assert seller.full_name == "Anna Seller"


def test_a_stale_edit_is_409(manager_client, seller):
    data = _edit_data(seller, full_name="Mine")
    manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]), _edit_data(seller, full_name="Theirs")
    )
    response = manager_client.post(reverse("roles:employee_edit", args=[seller.pk]), data, **HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert 'value="Mine"' in html and "Theirs" in html
    seller.refresh_from_db()
    assert seller.full_name == "Theirs"


def test_edit_without_htmx_redirects_to_the_employee(manager_client, seller):
    response = manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]), _edit_data(seller, full_name="Anna B.")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("roles:employee_detail", args=[seller.pk])


# Deactivate, detail, login ------------------------------------------------------------------


def test_deactivating_an_employee_also_blocks_their_login(manager_client, staff_member):
    response = manager_client.post(
        reverse("roles:employee_set_active", args=[staff_member.pk]), {"is_active": "0"}, **HTMX
    )
    assert response.status_code == 200
    assert "Reactivate" in response.content.decode()
    staff_member.user.refresh_from_db()
    assert not staff_member.user.is_active
    manager_client.post(
        reverse("roles:employee_set_active", args=[staff_member.pk]), {"is_active": "1"}
    )
    staff_member.user.refresh_from_db()
    assert staff_member.user.is_active


def test_a_manager_cannot_deactivate_themselves(manager_client, manager):
    response = manager_client.post(
        reverse("roles:employee_set_active", args=[manager.pk]), {"is_active": "0"}, **HTMX
    )
    assert response.status_code == 422
    assert "cannot deactivate yourself" in response.content.decode()
    manager.refresh_from_db()
    assert manager.is_active


def test_detail_shows_the_history_of_the_employee(manager_client, seller):
    manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]), _edit_data(seller, full_name="Anna B.")
    )
    response = manager_client.get(reverse("roles:employee_detail", args=[seller.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Employee “Anna B.” changed" in html
    assert "Anna Seller → Anna B." in html


def test_manager_creates_a_login_linked_to_the_employee(manager_client, seller):
    response = manager_client.post(
        reverse("roles:employee_login_create", args=[seller.pk]),
        {
            "username": "anna",
            "password": "Plenty-of-letters-42",
            "roles": [ProgramRole.STAFF, ProgramRole.AUDITOR],
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "Login “anna” created" in response.content.decode()
    seller.refresh_from_db()
    assert seller.user is not None and seller.user.username == "anna"
    assert seller.user.check_password("Plenty-of-letters-42")
    assert set(seller.user.groups.values_list("name", flat=True)) == {"staff", "auditor"}
    assert Activity.objects.filter(action="employee.link_login", target_id=str(seller.pk)).exists()


def test_login_form_errors_are_422(manager_client, seller, staff_member):
    response = manager_client.post(
        reverse("roles:employee_login_create", args=[seller.pk]),
        {
            "username": staff_member.user.username.upper(),
            "password": "123",
            "roles": [ProgramRole.API_CLIENT],
        },
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Select a valid choice" in html
    response = manager_client.post(
        reverse("roles:employee_login_create", args=[seller.pk]),
        {
            "username": staff_member.user.username.upper(),
            "password": "123",
            "roles": [ProgramRole.STAFF],
        },
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This username is taken" in html
    response = manager_client.post(
        reverse("roles:employee_login_create", args=[seller.pk]),
        {"username": "anna", "password": "123", "roles": [ProgramRole.STAFF]},
        **HTMX,
    )
    assert response.status_code == 422
    assert "too short" in response.content.decode()
    seller.refresh_from_db()
    assert seller.user is None


def test_an_employee_with_a_login_gets_no_second_one(manager_client, staff_member):
    response = manager_client.post(
        reverse("roles:employee_login_create", args=[staff_member.pk]),
        {"username": "second", "password": "Plenty-of-letters-42", "roles": [ProgramRole.STAFF]},
        **HTMX,
    )
    assert response.status_code == 422
    assert "already has a login" in response.content.decode()


def test_without_javascript_a_bad_create_shows_the_whole_page_again(manager_client, company):
    response = manager_client.post(reverse("roles:employee_create"), {"full_name": "Only A Name"})
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and 'value="Only A Name"' in html
    assert "<details open>" in html


def test_without_javascript_the_edit_form_is_a_page(manager_client, seller):
    response = manager_client.post(
        reverse("roles:employee_edit", args=[seller.pk]), _edit_data(seller, full_name="")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html and "Edit employee “Anna Seller”" in html

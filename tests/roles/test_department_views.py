from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Activity
from roles.models import Department
from tests.factories import EmployeeFactory

from .conftest import HTMX, NOT_MANAGERS

pytestmark = pytest.mark.django_db


def _version(department: Department) -> str:
    department.refresh_from_db()
    return department.updated_at.isoformat()


def _edit_data(department: Department, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": department.name,
        "parent": department.parent_id or "",
        "head": department.head_id or "",
        "updated_at": _version(department),
    }
    data.update(overrides)
    return data


# The list ---------------------------------------------------------------------------


def test_manager_sees_the_whole_tree_indented_with_counts(manager_client, company, manager):
    EmployeeFactory.create(department=company.used_cars)
    EmployeeFactory.create(department=company.used_cars, is_active=False)
    response = manager_client.get(reverse("roles:department_list"))
    assert response.status_code == 200
    html = response.content.decode()
    names = ["Dealership", "Sales", "Used cars", "Service"]
    positions = [html.index(f"<strong>{name}</strong>") for name in names]
    assert positions == sorted(positions)
    assert 'style="--depth: 2"' in html
    # Sales: nobody directly, one active below it.
    nodes = {node.department.name: node for node in response.context["nodes"]}
    assert (nodes["Sales"].employee_count, nodes["Sales"].subtree_employee_count) == (0, 1)
    assert nodes["Dealership"].subtree_employee_count == 2  # the manager and the used-car seller


def test_sales_manager_sees_only_the_sales_subtree(sales_manager_client, company):
    response = sales_manager_client.get(reverse("roles:department_list"))
    names = [node.department.name for node in response.context["nodes"]]
    assert names == ["Sales", "Used cars"]
    assert response.context["nodes"][0].depth == 0


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_get_403(request, persona, company):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("roles:department_list")).status_code == 403


def test_anonymous_is_sent_to_login(client, company):
    response = client.get(reverse("roles:department_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_list_refuses_post(manager_client):
    assert manager_client.post(reverse("roles:department_list")).status_code == 405


# Create -------------------------------------------------------------------------------


def test_manager_creates_a_department_inline(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_create"), {"name": "Parts", "parent": company.service.pk}, **HTMX
    )
    assert response.status_code == 200
    parts = Department.objects.get(name="Parts")
    assert parts.path == f"{company.service.path}{parts.pk}/"
    html = response.content.decode()
    assert 'id="department-tree"' in html
    assert 'hx-swap-oob="true"' in html  # a fresh create form replaces the filled one
    assert Activity.objects.filter(action="department.create", target_id=str(parts.pk)).exists()


def test_create_without_htmx_redirects_with_a_message(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_create"),
        {"name": "Parts", "parent": company.service.pk},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("roles:department_list")
    assert "Department “Parts” created." in response.content.decode()


def test_create_with_a_taken_name_is_422_and_keeps_what_was_typed(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_create"),
        {"name": "used CARS", "parent": company.sales.pk},
        **HTMX,
    )
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#department-create"
    html = response.content.decode()
    assert 'value="used CARS"' in html
    assert "already a department with this name" in html


def test_names_clash_case_insensitively_beyond_ascii(manager_client, company):
    manager_client.post(
        reverse("roles:department_create"), {"name": "Продажи", "parent": company.root.pk}
    )
    response = manager_client.post(
        reverse("roles:department_create"), {"name": "продажи", "parent": company.root.pk}, **HTMX
    )
    assert response.status_code == 422
    assert Department.objects.filter(name__in=["Продажи", "продажи"]).count() == 1


def test_a_manager_must_place_a_new_department_inside_their_tree(sales_manager_client, company):
    response = sales_manager_client.post(
        reverse("roles:department_create"), {"name": "Rogue", "parent": company.service.pk}, **HTMX
    )
    assert response.status_code == 422
    response = sales_manager_client.post(
        reverse("roles:department_create"), {"name": "Rogue"}, **HTMX
    )
    assert response.status_code == 422
    assert not Department.objects.filter(name="Rogue").exists()


def test_parent_choices_are_limited_to_the_managers_subtree(sales_manager_client, company):
    response = sales_manager_client.get(reverse("roles:department_list"))
    choices = {
        value for value, _label in response.context["create_form"].fields["parent"].choices if value
    }
    assert choices == {company.sales.pk, company.used_cars.pk}


# Edit ------------------------------------------------------------------------------------


def test_edit_turns_the_row_into_a_form(manager_client, company):
    response = manager_client.get(reverse("roles:department_edit", args=[company.sales.pk]), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="department-{company.sales.pk}" class="editing">')
    assert 'name="updated_at"' in html


def test_edit_without_htmx_is_a_page(manager_client, company):
    response = manager_client.get(reverse("roles:department_edit", args=[company.sales.pk]))
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_saving_returns_the_row(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, name="New cars"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "<strong>New cars</strong>" in response.content.decode()
    assert "HX-Retarget" not in response
    company.sales.refresh_from_db()
    assert company.sales.name == "New cars"


def test_moving_returns_the_tree_and_repaths_the_subtree(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, parent=company.service.pk),
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Retarget"] == "#department-tree"
    company.used_cars.refresh_from_db()
    assert company.used_cars.path.startswith(company.service.path)


def test_invalid_edit_is_422_and_keeps_what_was_typed(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, name="Service", parent=company.root.pk),
        **HTMX,
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'value="Service"' in html
    assert "already a department with this name" in html
    company.sales.refresh_from_db()
    assert company.sales.name == "Sales"


def test_a_stale_edit_is_409_and_changes_nothing(manager_client, company):
    data = _edit_data(company.sales, name="Mine")
    manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, name="Theirs"),
    )
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]), data, **HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else saved a change" in html
    assert 'value="Mine"' in html  # what I typed is kept
    assert "This is what is saved now" in html and "Theirs" in html
    company.sales.refresh_from_db()
    assert company.sales.name == "Theirs"
    # The form now carries the saved version: saving again on purpose goes through.
    retry = dict(data, updated_at=_version(company.sales))
    assert (
        manager_client.post(
            reverse("roles:department_edit", args=[company.sales.pk]), retry, **HTMX
        ).status_code
        == 200
    )


def test_edit_without_a_version_is_refused(manager_client, company):
    data = _edit_data(company.sales)
    del data["updated_at"]
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]), data, **HTMX
    )
    assert response.status_code == 422
    assert "reload the page" in response.content.decode()


def test_a_branch_manager_cannot_move_their_own_root(sales_manager_client, company):
    response = sales_manager_client.get(
        reverse("roles:department_edit", args=[company.sales.pk]), **HTMX
    )
    assert "parent" not in response.context["form"].fields
    response = sales_manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, name="Sales team", parent=company.service.pk),
        **HTMX,
    )
    assert response.status_code == 200
    company.sales.refresh_from_db()
    assert (company.sales.name, company.sales.parent_id) == ("Sales team", company.root.pk)


def test_a_department_cannot_move_below_itself(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_edit", args=[company.sales.pk]),
        _edit_data(company.sales, parent=company.used_cars.pk),
        **HTMX,
    )
    assert response.status_code == 422
    company.sales.refresh_from_db()
    assert company.sales.parent_id == company.root.pk


def test_sales_manager_gets_404_on_a_service_department(sales_manager_client, company):
    for name in ("roles:department_edit", "roles:department_row"):
        assert (
            sales_manager_client.get(reverse(name, args=[company.service.pk]), **HTMX).status_code
            == 404
        )
    response = sales_manager_client.post(
        reverse("roles:department_set_active", args=[company.service.pk]), {"is_active": "0"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_cannot_edit(request, persona, company):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("roles:department_edit", args=[company.sales.pk])).status_code == 403
    assert client.post(reverse("roles:department_create"), {"name": "X"}).status_code == 403
    assert (
        client.post(
            reverse("roles:department_set_active", args=[company.sales.pk]), {"is_active": "0"}
        ).status_code
        == 403
    )


def test_wrong_methods_are_405(manager_client, company):
    assert manager_client.get(reverse("roles:department_create")).status_code == 405
    assert (
        manager_client.get(
            reverse("roles:department_set_active", args=[company.sales.pk])
        ).status_code
        == 405
    )
    assert (
        manager_client.post(reverse("roles:department_row", args=[company.sales.pk])).status_code
        == 405
    )
    assert (
        manager_client.delete(reverse("roles:department_edit", args=[company.sales.pk])).status_code
        == 405
    )


def test_anonymous_cannot_edit(client, company):
    response = client.post(reverse("roles:department_edit", args=[company.sales.pk]), {"name": "X"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_cancel_returns_the_plain_row(manager_client, company):
    response = manager_client.get(reverse("roles:department_row", args=[company.sales.pk]), **HTMX)
    assert response.status_code == 200
    assert "<strong>Sales</strong>" in response.content.decode()


# Deactivate / reactivate --------------------------------------------------------------


def test_deactivation_is_refused_while_active_employees_remain(manager_client, company):
    EmployeeFactory.create(department=company.used_cars)
    response = manager_client.post(
        reverse("roles:department_set_active", args=[company.sales.pk]), {"is_active": "0"}, **HTMX
    )
    assert response.status_code == 422
    assert "still has 1 active employee in it" in response.content.decode()
    company.sales.refresh_from_db()
    assert company.sales.is_active


def test_deactivating_an_empty_branch_and_reactivating_it(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_set_active", args=[company.service.pk]),
        {"is_active": "0"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Department “Service” deactivated." in response.content.decode()
    company.service.refresh_from_db()
    assert not company.service.is_active
    response = manager_client.post(
        reverse("roles:department_set_active", args=[company.service.pk]), {"is_active": "1"}
    )
    assert response.status_code == 302
    company.service.refresh_from_db()
    assert company.service.is_active


def test_a_bad_flag_is_a_bad_request(manager_client, company):
    response = manager_client.post(
        reverse("roles:department_set_active", args=[company.service.pk]), {"is_active": "maybe"}
    )
    assert response.status_code == 400

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import Activity
from roles.models import Position
from tests.factories import EmployeeFactory, PositionFactory

from .conftest import HTMX, NOT_MANAGERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def cashier(company) -> Position:
    return PositionFactory.create(name="Cashier", description="Takes payments.")


def _edit_data(position: Position, **overrides: object) -> dict[str, object]:
    position.refresh_from_db()
    data: dict[str, object] = {
        "name": position.name,
        "description": position.description,
        "updated_at": position.updated_at.isoformat(),
    }
    data.update(overrides)
    return data


def test_manager_lists_positions_with_a_link_to_their_duties(manager_client, cashier):
    response = manager_client.get(reverse("roles:position_list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cashier" in html
    assert reverse("journeys:position_duties", args=[cashier.pk]) in html


def test_search_narrows_the_list_and_answers_htmx_with_the_results(manager_client, cashier):
    PositionFactory.create(name="Mechanic")
    response = manager_client.get(reverse("roles:position_list"), {"q": "cash"}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="position-results">')
    assert "Cashier" in html and "Mechanic" not in html


def test_employee_counts_are_scoped_to_the_managers_part(sales_manager_client, company, cashier):
    EmployeeFactory.create(position=cashier, department=company.used_cars)
    EmployeeFactory.create(position=cashier, department=company.service)
    response = sales_manager_client.get(reverse("roles:position_list"))
    counts = {position.name: position.employee_count for position in response.context["positions"]}
    assert counts["Cashier"] == 1


@pytest.mark.parametrize("persona", NOT_MANAGERS)
def test_other_roles_get_403(request, persona, cashier):
    client = request.getfixturevalue(persona)
    assert client.get(reverse("roles:position_list")).status_code == 403
    assert client.get(reverse("roles:position_edit", args=[cashier.pk])).status_code == 403
    assert client.post(reverse("roles:position_create"), {"name": "X"}).status_code == 403
    assert (
        client.post(
            reverse("roles:position_set_active", args=[cashier.pk]), {"is_active": "0"}
        ).status_code
        == 403
    )


def test_anonymous_is_sent_to_login(client, cashier):
    for url in (reverse("roles:position_list"), reverse("roles:position_edit", args=[cashier.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_wrong_methods_are_405(manager_client, cashier):
    assert manager_client.post(reverse("roles:position_list")).status_code == 405
    assert manager_client.get(reverse("roles:position_create")).status_code == 405
    assert (
        manager_client.get(reverse("roles:position_set_active", args=[cashier.pk])).status_code
        == 405
    )
    assert manager_client.post(reverse("roles:position_row", args=[cashier.pk])).status_code == 405


def test_an_unknown_position_is_404(manager_client):
    assert (
        manager_client.get(reverse("roles:position_edit", args=[999999]), **HTMX).status_code == 404
    )


def test_manager_creates_a_position_inline(manager_client, company):
    response = manager_client.post(
        reverse("roles:position_create"), {"name": "Mechanic", "description": "Fixes cars."}, **HTMX
    )
    assert response.status_code == 200
    position = Position.objects.get(name="Mechanic")
    html = response.content.decode()
    assert f'id="position-{position.pk}"' in html
    assert 'id="position-create"' in html and 'hx-swap-oob="true"' in html
    assert Activity.objects.filter(action="position.create", target_id=str(position.pk)).exists()


def test_a_duplicate_name_is_422_whatever_the_case(manager_client, cashier):
    response = manager_client.post(reverse("roles:position_create"), {"name": "CASHIER"}, **HTMX)
    assert response.status_code == 422
    assert response["HX-Retarget"] == "#position-create"
    assert 'value="CASHIER"' in response.content.decode()
    assert Position.objects.filter(name__iexact="cashier").count() == 1


def test_saving_an_inline_edit_returns_the_row(manager_client, cashier):
    response = manager_client.post(
        reverse("roles:position_edit", args=[cashier.pk]),
        _edit_data(cashier, name="Senior cashier"),
        **HTMX,
    )
    assert response.status_code == 200
    assert "<strong>Senior cashier</strong>" in response.content.decode()


def test_an_empty_name_is_422_with_the_typed_description_kept(manager_client, cashier):
    response = manager_client.post(
        reverse("roles:position_edit", args=[cashier.pk]),
        _edit_data(cashier, name="", description="Typed text"),
        **HTMX,
    )
    assert response.status_code == 422
    assert "Typed text" in response.content.decode()


def test_a_stale_edit_is_409(manager_client, cashier):
    data = _edit_data(cashier, name="Mine")
    manager_client.post(
        reverse("roles:position_edit", args=[cashier.pk]), _edit_data(cashier, name="Theirs")
    )
    response = manager_client.post(reverse("roles:position_edit", args=[cashier.pk]), data, **HTMX)
    assert response.status_code == 409
    assert 'value="Mine"' in response.content.decode()
    cashier.refresh_from_db()
    assert cashier.name == "Theirs"


def test_deactivation_is_refused_while_employees_hold_the_position(
    manager_client, cashier, company
):
    EmployeeFactory.create(position=cashier, department=company.service)
    response = manager_client.post(
        reverse("roles:position_set_active", args=[cashier.pk]), {"is_active": "0"}, **HTMX
    )
    assert response.status_code == 422
    assert "1 active employee holds the position" in response.content.decode()
    cashier.refresh_from_db()
    assert cashier.is_active


def test_deactivate_and_reactivate(manager_client, cashier):
    response = manager_client.post(
        reverse("roles:position_set_active", args=[cashier.pk]), {"is_active": "0"}, **HTMX
    )
    assert response.status_code == 200
    assert "Reactivate" in response.content.decode()
    cashier.refresh_from_db()
    assert not cashier.is_active
    manager_client.post(reverse("roles:position_set_active", args=[cashier.pk]), {"is_active": "1"})
    cashier.refresh_from_db()
    assert cashier.is_active

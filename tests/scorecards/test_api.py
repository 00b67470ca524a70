"""The scores API: payroll rows and department figures for tokens with read:scores."""

from __future__ import annotations

import pytest
from django.urls import reverse

from roles.api_auth import api_token_create
from roles.models import ApiScope, ProgramRole
from tests.factories import UserFactory

PAYROLL = "api-v1:scorecards-payroll"
MARCH = {"month": "2026-03"}


@pytest.fixture
def bearer():
    def make(actor, *scopes: str, user=None) -> dict[str, str]:
        _token, key = api_token_create(
            actor=actor,
            name="Payroll system",
            scopes=list(scopes or [ApiScope.READ_SCORES]),
            user=user,
        )
        return {"HTTP_AUTHORIZATION": f"Bearer {key}"}

    return make


@pytest.fixture
def payroll_login(db):
    return UserFactory.create(username="payroll", roles=[ProgramRole.API_CLIENT])


def test_payroll_rows_for_the_whole_company(sales_march, client, bearer, manager, payroll_login):
    headers = bearer(manager.user, user=payroll_login)
    response = client.get(reverse(PAYROLL), MARCH, **headers)
    assert response.status_code == 200
    body = response.json()
    assert body["month"] == "2026-03"
    rows = {row["full_name"]: row for row in body["rows"]}
    assert rows["Staff Member"] == {
        **rows["Staff Member"],
        "compliance_percent": "81.82",
        "answers": 5,
        "audits": 1,
        "earned": 9,
        "applicable": 11,
        "coefficient": "0.950",
        "rules_from": "2026-01",
        "rules_position": "",
        "status": "band",
    }
    assert rows["Victor Service"]["status"] == "no_audits"
    assert rows["Victor Service"]["coefficient"] is None
    assert rows["Victor Service"]["compliance_percent"] is None


def test_a_managers_token_sees_their_subtree_only(sales_march, client, bearer, sales_manager):
    response = client.get(reverse(PAYROLL), MARCH, **bearer(sales_manager.user))
    names = {row["full_name"] for row in response.json()["rows"]}
    assert "Staff Member" in names and "Boris Used" in names
    assert "Victor Service" not in names and "Manager" not in names


def test_payroll_csv_through_the_api(sales_march, client, bearer, manager):
    response = client.get(reverse("api-v1:scorecards-payroll-csv"), MARCH, **bearer(manager.user))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("personnel_number,full_name")
    assert "Staff Member,Sales,Salesperson,2026-03,81.82" in text


def test_department_figures(sales_march, client, bearer, manager, company):
    response = client.get(reverse("api-v1:scorecards-departments"), MARCH, **bearer(manager.user))
    assert response.status_code == 200
    sales = next(row for row in response.json() if row["department_id"] == company.sales.pk)
    # Rita 6/6 + Anna 9/11 = 15/17 = 88.24 %; NPS 10 and 4 -> 0 of 2.
    assert (sales["compliance_percent"], sales["earned"], sales["applicable"]) == ("88.24", 15, 17)
    assert (sales["nps"], sales["responses"]) == (0, 2)


def test_a_token_needs_the_scores_scope(sales_march, client, bearer, manager):
    response = client.get(reverse(PAYROLL), **bearer(manager.user, ApiScope.READ_RESPONSES))
    assert response.status_code == 403
    assert "read:scores" in response.json()["detail"]


def test_without_a_token_the_answer_is_401(sales_march, client):
    assert client.get(reverse(PAYROLL)).status_code == 401


def test_a_bad_month_or_department_names_the_parameter(
    sales_march, client, bearer, sales_manager, company
):
    headers = bearer(sales_manager.user)
    response = client.get(reverse(PAYROLL), {"month": "2026-3x"}, **headers)
    assert response.status_code == 400
    assert "month" in response.json()
    outside = client.get(reverse(PAYROLL), {"department": company.service.pk}, **headers)
    assert outside.status_code == 400
    assert "department" in outside.json()


def test_the_payroll_query_count_does_not_grow_with_employees(
    sales_march, client, bearer, manager, scenario, company, django_assert_max_num_queries
):
    from tests.factories import EmployeeFactory

    headers = bearer(manager.user)
    with django_assert_max_num_queries(12) as few:
        client.get(reverse(PAYROLL), MARCH, **headers)
    EmployeeFactory.create_batch(20, department=company.service, position=scenario.receptionist)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse(PAYROLL), MARCH, **headers)
    assert len(response.json()["rows"]) > 20


def test_the_schema_documents_the_scores_endpoints(client, manager_client):
    schema = manager_client.get(reverse("api-schema"), {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/scorecards/payroll/" in paths
    assert "/api/v1/scorecards/departments/" in paths

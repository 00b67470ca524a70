"""Every audit URL against every role: 200/302 for the right person, 403 for a role that
never reaches the page, 404 for an audit outside the user's scope, 405 for the wrong
method, the login page for anonymous visitors.

Roles: manager (company-wide), sales_manager (Sales and below), auditor (the audit's),
other_auditor, staff (the salesperson observed), other_staff (not observed), outsider.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from audits import services
from audits.models import Audit
from roles.models import ProgramRole
from tests.factories import EmployeeFactory, UserFactory

from .conftest import items_by_key, steps_in_order
from .test_submission import submit_all

ROLES = ["manager", "sales_manager", "auditor", "other_auditor", "staff", "other_staff", "outsider"]


@pytest.fixture
def clients(
    manager_client,
    sales_manager_client,
    auditor_client,
    staff_client,
    outsider_client,
    company,
    salesperson_position,
) -> dict[str, Client]:
    other_auditor = UserFactory.create(username="other_auditor", roles=[ProgramRole.AUDITOR])
    other_staff_user = UserFactory.create(username="other_staff", roles=[ProgramRole.STAFF])
    EmployeeFactory.create(
        full_name="Other Staff",
        department=company.sales,
        position=salesperson_position,
        user=other_staff_user,
    )
    result = {
        "manager": manager_client,
        "sales_manager": sales_manager_client,
        "auditor": auditor_client,
        "staff": staff_client,
        "outsider": outsider_client,
        "anonymous": Client(),
    }
    for name, user in (("other_auditor", other_auditor), ("other_staff", other_staff_user)):
        client = Client()
        client.force_login(user)
        result[name] = client
    return result


@pytest.fixture
def service_audit(template, manager, auditor, company) -> Audit:
    """An audit of Service, outside the sales manager's subtree."""
    return services.audit_assign(
        actor=manager.user,
        template=template,
        department=company.service,
        auditor=auditor,
        window_start=__import__("datetime").date(2026, 3, 1),
        window_end=__import__("datetime").date(2026, 3, 31),
    )


@pytest.fixture
def submitted(audit, auditor_client) -> Audit:
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    return audit


@pytest.fixture
def final(submitted, manager) -> Audit:
    return services.audit_finalize(actor=manager.user, audit=submitted)


def check(clients, method: str, url: str, expected: dict[str, int], data=None) -> None:
    """Each role gets its expected status; every role not named gets 403."""
    seen = {}
    for role in [*ROLES, "anonymous"]:
        client = clients[role]
        response = getattr(client, method)(url, data or {})
        seen[role] = response.status_code
        if role == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response.url, role
    wanted = {role: expected.get(role, 403) for role in ROLES}
    wanted["anonymous"] = 302
    assert seen == wanted


def test_the_audit_list(clients):
    check(
        clients,
        "get",
        reverse("audits:list"),
        {"manager": 200, "sales_manager": 200, "auditor": 200, "other_auditor": 200},
    )
    assert clients["manager"].post(reverse("audits:list")).status_code == 405


def test_my_audits_for_staff(clients):
    check(clients, "get", reverse("audits:my_audits"), {"staff": 200, "other_staff": 200})
    assert clients["staff"].post(reverse("audits:my_audits")).status_code == 405


@pytest.mark.parametrize(
    "name", ["audits:templates", "audits:template_create", "audits:assign", "audits:disputes"]
)
def test_manager_pages(clients, name, book):
    check(clients, "get", reverse(name), {"manager": 200, "sales_manager": 200})


def test_template_pages(clients, template):
    check(
        clients,
        "get",
        reverse("audits:template", args=[template.pk]),
        {"manager": 200, "sales_manager": 200},
    )
    assert (
        clients["manager"].post(reverse("audits:template", args=[template.pk])).status_code == 405
    )
    assert (
        clients["manager"].get(reverse("audits:template_edit", args=[template.pk])).status_code
        == 405
    )
    assert (
        clients["manager"].get(reverse("audits:template_archive", args=[template.pk])).status_code
        == 405
    )
    item = template.steps.first().items.first()
    url = reverse("audits:template_item", args=[template.pk, item.pk])
    assert clients["manager"].get(url).status_code == 405
    for role in ("auditor", "staff", "outsider"):
        assert clients[role].post(url, {"included": "0"}).status_code == 403
    assert clients["manager"].get(reverse("audits:template", args=[999999])).status_code == 404


def test_the_form_is_the_auditors_alone(clients, audit):
    check(
        clients,
        "get",
        reverse("audits:fill", args=[audit.pk]),
        {"auditor": 200, "other_auditor": 404},
    )
    assert clients["auditor"].post(reverse("audits:fill", args=[audit.pk])).status_code == 405


def test_answer_endpoints(clients, audit, book):
    items = items_by_key(audit, book)
    phone = steps_in_order(audit)[0]
    endpoints = [
        (
            reverse("audits:item", args=[audit.pk, items["rings"]]),
            {f"answer-{items['rings']}": "yes"},
        ),
        (
            reverse("audits:step", args=[audit.pk, phone.pk]),
            {f"employee-{phone.pk}": "unidentified"},
        ),
        (reverse("audits:visit", args=[audit.pk]), {"channel": "phone"}),
        (reverse("audits:save", args=[audit.pk]), {"channel": "phone"}),
    ]
    for url, data in endpoints:
        expected = {"other_auditor": 404, "auditor": 302 if url.endswith("/save/") else 200}
        check(clients, "post", url, expected, data)
        assert clients["auditor"].get(url).status_code == 405


def test_an_item_of_another_audit_is_404(clients, audit, service_audit, book):
    other_item = items_by_key(service_audit, book)["rings"]
    url = reverse("audits:item", args=[audit.pk, other_item])
    assert clients["auditor"].post(url, {f"answer-{other_item}": "yes"}).status_code == 404


def test_photo_upload(clients, audit, book):
    item = items_by_key(audit, book)["rings"]
    url = reverse("audits:evidence_upload", args=[audit.pk, item])
    # No file: the auditor is told (422); everyone else never gets that far.
    check(clients, "post", url, {"auditor": 422, "other_auditor": 404})
    assert clients["auditor"].get(url).status_code == 405


def test_submit(clients, audit):
    url = reverse("audits:submit", args=[audit.pk])
    for role in ("manager", "staff", "outsider"):
        assert clients[role].post(url, {}).status_code == 403
    assert clients["other_auditor"].post(url, {}).status_code == 404
    assert clients["auditor"].get(url).status_code == 405
    assert submit_all(clients["auditor"], audit).status_code == 302


def test_the_result_page(clients, submitted):
    check(
        clients,
        "get",
        reverse("audits:result", args=[submitted.pk]),
        {"auditor": 200, "other_auditor": 404},
    )


def test_the_report_of_a_submitted_audit(clients, submitted, service_audit):
    # Staff see nothing before the audit is final.
    check(
        clients,
        "get",
        reverse("audits:report", args=[submitted.pk]),
        {"manager": 200, "sales_manager": 200, "staff": 404, "other_staff": 404},
    )
    assert (
        clients["sales_manager"].get(reverse("audits:report", args=[service_audit.pk])).status_code
        == 404
    )
    assert (
        clients["manager"].get(reverse("audits:report", args=[service_audit.pk])).status_code == 200
    )
    assert clients["manager"].post(reverse("audits:report", args=[submitted.pk])).status_code == 405


def test_the_report_of_a_final_audit(clients, final):
    check(
        clients,
        "get",
        reverse("audits:report", args=[final.pk]),
        {"manager": 200, "sales_manager": 200, "staff": 200, "other_staff": 404},
    )


def test_finalize(clients, submitted, service_audit):
    url = reverse("audits:finalize", args=[submitted.pk])
    for role in ("auditor", "other_auditor", "staff", "outsider"):
        assert clients[role].post(url).status_code == 403
    assert clients["manager"].get(url).status_code == 405
    assert (
        clients["sales_manager"]
        .post(reverse("audits:finalize", args=[service_audit.pk]))
        .status_code
        == 404
    )
    assert clients["sales_manager"].post(url).status_code == 302


def test_withdraw(clients, audit, service_audit):
    url = reverse("audits:withdraw", args=[audit.pk])
    for role in ("auditor", "staff", "outsider"):
        assert clients[role].post(url).status_code == 403
    assert clients["manager"].get(url).status_code == 405
    assert (
        clients["sales_manager"]
        .post(reverse("audits:withdraw", args=[service_audit.pk]))
        .status_code
        == 404
    )
    assert clients["sales_manager"].post(url).status_code == 302


def test_dispute_pages(clients, final, book):
    item = items_by_key(final, book)["budget"]
    url = reverse("audits:dispute", args=[final.pk, item])
    check(clients, "get", url, {"staff": 200, "other_staff": 404})
    assert clients["staff"].put(url).status_code == 405
    # The receptionist's item is not the staff member's to dispute.
    theirs = items_by_key(final, book)["greeting"]
    assert (
        clients["staff"].get(reverse("audits:dispute", args=[final.pk, theirs])).status_code == 404
    )


def test_deciding_a_dispute(clients, final, book, staff_member, company):
    item = final.items.get(pk=items_by_key(final, book)["budget"])
    dispute = services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=item, reason="I asked."
    )
    url = reverse("audits:dispute_decide", args=[dispute.pk])
    for role in ("auditor", "staff", "outsider"):
        assert clients[role].post(url, {}).status_code == 403
    assert clients["manager"].get(url).status_code == 405
    Audit.objects.filter(pk=final.pk).update(department=company.service)
    assert clients["sales_manager"].post(url, {}).status_code == 404
    assert clients["manager"].post(url, {}).status_code == 422

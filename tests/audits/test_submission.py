"""Idempotent submission: one draft id, one submission, the same answer every time;
the same id with other content after submission is refused with 409."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from audits import services
from audits.models import Audit, AuditStatus
from core.models import Activity

from .conftest import items_by_key, steps_in_order

CLIENT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def full_payload(audit: Audit, client_id: str = CLIENT_ID) -> dict[str, str]:
    """Every item answered, the employees named, the visit given.

    Phone call (receptionist): rings yes 3, greeting no 2, come_over yes 1 -> 4 of 6
    Needs (staff member): formal yes 3 (critical), budget no 2            -> 3 of 5
    Asks for a discount (staff member): answer_time no 3, interim n.a. 2   -> 0 of 3
    Audit: 7 of 14 = 50 %.
    """
    from roles.models import Employee

    answers = {
        "Answer within three rings.": "yes",
        "Greet, say your name and the company.": "no",
        "Tell the caller to just come over.": "yes",
        "Address the customer formally.": "yes",
        "Ask about the budget.": "no",
        "Answer within 15 minutes.": "no",
        "Give an interim message.": "na",
    }
    payload = {"client_id": client_id, "visited_at": "2026-03-05T14:30", "channel": "in_person"}
    for item in audit.items.select_related("requirement"):
        payload[f"answer-{item.pk}"] = answers[item.requirement.text]
    phone, needs, discount = steps_in_order(audit)
    receptionist = Employee.objects.get(full_name="Rita Reception")
    salesperson = Employee.objects.get(full_name="Staff Member")
    payload[f"employee-{phone.pk}"] = str(receptionist.pk)
    payload[f"employee-{needs.pk}"] = str(salesperson.pk)
    payload[f"employee-{discount.pk}"] = str(salesperson.pk)
    return payload


def submit_all(client, audit: Audit, client_id: str = CLIENT_ID):
    return client.post(reverse("audits:submit", args=[audit.pk]), full_payload(audit, client_id))


def test_submitting_stores_the_score_per_step_and_in_total(audit, auditor_client):
    response = submit_all(auditor_client, audit)
    assert response.status_code == 302
    assert response.url == reverse("audits:result", args=[audit.pk])
    audit.refresh_from_db()
    assert audit.status == AuditStatus.SUBMITTED
    assert str(audit.client_id) == CLIENT_ID
    assert (audit.earned, audit.applicable, audit.score) == (7, 14, Decimal("50.00"))
    figures = [(s.earned, s.applicable, s.critical_failed) for s in steps_in_order(audit)]
    assert figures == [(4, 6, False), (3, 5, False), (0, 3, False)]
    # Answers yes or no, and the "no" among them (n.a. counts nowhere).
    assert [(s.answers, s.failed_answers) for s in steps_in_order(audit)] == [
        (3, 1),
        (2, 1),
        (1, 1),
    ]
    # Each step counts for the observed employee's department as it is at submission.
    assert [s.department_id for s in steps_in_order(audit)] == [
        s.employee.department_id for s in steps_in_order(audit)
    ]
    result = auditor_client.get(response.url)
    assert "50.0 %" in result.text
    assert Activity.objects.filter(action="audit.submit", target_id=str(audit.pk)).count() == 1


def test_submitting_twice_gives_the_same_result_and_one_submission(audit, auditor_client):
    first = submit_all(auditor_client, audit)
    audit.refresh_from_db()
    submitted_at = audit.submitted_at
    second = submit_all(auditor_client, audit)
    assert (second.status_code, second.url) == (first.status_code, first.url)
    audit.refresh_from_db()
    assert audit.submitted_at == submitted_at
    assert Activity.objects.filter(action="audit.submit").count() == 1


def test_the_same_id_with_different_answers_after_submission_is_refused(
    audit, book, auditor_client
):
    submit_all(auditor_client, audit)
    payload = full_payload(audit)
    items = items_by_key(audit, book)
    payload[f"answer-{items['greeting']}"] = "yes"
    response = auditor_client.post(reverse("audits:submit", args=[audit.pk]), payload)
    assert response.status_code == 409
    assert "already submitted with different answers" in response.text
    audit.refresh_from_db()
    assert audit.items.get(pk=items["greeting"]).answer == "no"
    assert audit.earned == 7


def test_another_draft_id_after_submission_is_refused(audit, auditor_client):
    submit_all(auditor_client, audit)
    response = submit_all(auditor_client, audit, client_id=str(uuid.uuid4()))
    assert response.status_code == 409
    assert "another device or browser" in response.text


def test_a_submission_without_a_draft_id_is_refused_and_keeps_the_answers(audit, auditor_client):
    payload = full_payload(audit)
    del payload["client_id"]
    response = auditor_client.post(reverse("audits:submit", args=[audit.pk]), payload)
    assert response.status_code == 422
    assert "lost its draft id" in response.text
    audit.refresh_from_db()
    assert audit.status == AuditStatus.IN_PROGRESS
    assert audit.items.filter(answer="").count() == 0


def test_a_draft_id_belongs_to_one_audit_only(
    audit, template, manager, auditor, company, auditor_client
):
    submit_all(auditor_client, audit)
    other = services.audit_assign(
        actor=manager.user,
        template=template,
        department=company.sales,
        auditor=auditor,
        window_start=audit.window_start,
        window_end=audit.window_end,
    )
    response = submit_all(auditor_client, other)
    assert response.status_code == 409
    assert "already belongs to another audit" in response.text
    other.refresh_from_db()
    assert other.is_draft


def test_the_database_refuses_a_second_audit_with_the_same_draft_id(
    audit, auditor_client, template
):
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    with pytest.raises(IntegrityError), transaction.atomic():
        Audit.objects.create(
            template=template,
            version=audit.version,
            department=audit.department,
            auditor=audit.auditor,
            window_start=audit.window_start,
            window_end=audit.window_end,
            status=AuditStatus.SUBMITTED,
            client_id=uuid.UUID(CLIENT_ID),
            submitted_at=audit.submitted_at,
        )


def test_an_audit_with_nothing_applicable_has_no_score(audit, auditor_client):
    payload = full_payload(audit)
    for key in list(payload):
        if key.startswith("answer-"):
            payload[key] = "na"
    response = auditor_client.post(reverse("audits:submit", args=[audit.pk]), payload)
    assert response.status_code == 302
    audit.refresh_from_db()
    assert (audit.earned, audit.applicable, audit.score) == (0, 0, None)
    assert "no score" in auditor_client.get(response.url).text


def test_the_result_page_clears_the_phones_draft(audit, auditor_client):
    response = submit_all(auditor_client, audit)
    page = auditor_client.get(response.url).text
    assert f'data-clear-draft="{CLIENT_ID}"' in page

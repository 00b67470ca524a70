"""Disputes: the employee observed contests an answer "No" of a final audit within
AUDIT_DISPUTE_DAYS; an accepted dispute corrects the answer and every stored figure."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from audits import services
from audits.models import Dispute, DisputeStatus
from audits.signals import audit_figures_changed
from core.models import Activity

from .conftest import items_by_key, steps_in_order
from .test_submission import submit_all


@pytest.fixture
def final(audit, auditor_client, manager):
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    return services.audit_finalize(actor=manager.user, audit=audit)


@pytest.fixture
def budget_item(final, book):
    return final.items.get(pk=items_by_key(final, book)["budget"])


def test_the_observed_employee_sees_the_final_audit_and_only_their_steps(
    final, staff_client, receptionist
):
    listing = staff_client.get(reverse("audits:my_audits"))
    assert reverse("audits:report", args=[final.pk]) in listing.text
    page = staff_client.get(reverse("audits:report", args=[final.pk])).text
    assert "Needs" in page and "Asks for a discount" in page
    assert "Answer within three rings." not in page  # the receptionist's step
    assert "Dispute this answer" in page


def test_staff_dispute_an_answer_with_a_reason(final, budget_item, staff_client, staff_member):
    response = staff_client.post(
        reverse("audits:dispute", args=[final.pk, budget_item.pk]),
        {"reason": "I asked about the budget first thing."},
    )
    assert response.status_code == 302
    dispute = Dispute.objects.get()
    assert (dispute.employee, dispute.status, dispute.answer_before) == (
        staff_member,
        DisputeStatus.OPEN,
        "no",
    )
    assert Activity.objects.filter(action="audit.dispute").count() == 1


def test_a_dispute_needs_a_reason(final, budget_item, staff_client):
    response = staff_client.post(
        reverse("audits:dispute", args=[final.pk, budget_item.pk]), {"reason": "  "}
    )
    assert response.status_code == 422
    assert not Dispute.objects.exists()


def test_an_answer_can_be_disputed_once(final, budget_item, staff_member):
    services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="Wrong."
    )
    with pytest.raises(ValidationError):
        services.dispute_raise(
            actor=staff_member.user, employee=staff_member, item=budget_item, reason="Again."
        )


def test_only_answers_no_of_ones_own_steps_can_be_disputed(final, book, staff_member):
    items = items_by_key(final, book)
    with pytest.raises(ValidationError):
        services.dispute_raise(
            actor=staff_member.user,
            employee=staff_member,
            item=final.items.get(pk=items["formal"]),  # answered yes
            reason="Nothing wrong.",
        )
    with pytest.raises(ValidationError):
        services.dispute_raise(
            actor=staff_member.user,
            employee=staff_member,
            item=final.items.get(pk=items["greeting"]),  # the receptionist's step
            reason="Not mine.",
        )


def test_the_window_closes_after_the_configured_days(final, budget_item, staff_client, settings):
    settings.AUDIT_DISPUTE_DAYS = 3
    later = timezone.now() + datetime.timedelta(days=3, hours=1)
    with time_machine.travel(later, tick=False):
        page = staff_client.get(reverse("audits:report", args=[final.pk])).text
        assert "Dispute this answer" not in page
        response = staff_client.post(
            reverse("audits:dispute", args=[final.pk, budget_item.pk]), {"reason": "Late."}
        )
    assert response.status_code == 409
    assert not Dispute.objects.exists()


def test_accepting_corrects_the_answer_and_every_stored_figure(
    final, budget_item, staff_member, manager, manager_client
):
    dispute = services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="I did ask."
    )
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    audit_figures_changed.connect(receiver, weak=False)
    try:
        response = manager_client.post(
            reverse("audits:dispute_decide", args=[dispute.pk]),
            {
                f"dispute-{dispute.pk}-decision": "accept",
                f"dispute-{dispute.pk}-answer": "yes",
                f"dispute-{dispute.pk}-note": "Heard it on the recording.",
            },
        )
    finally:
        audit_figures_changed.disconnect(receiver)
    assert response.status_code == 302
    budget_item.refresh_from_db()
    assert budget_item.answer == "yes"
    # Needs: formal yes 3 + budget yes 2 -> 5 of 5; audit 4 + 5 + 0 = 9 of 14 = 64.29 %
    _phone, needs, _discount = steps_in_order(final)
    assert (needs.earned, needs.applicable) == (5, 5)
    final.refresh_from_db()
    assert (final.earned, final.applicable, final.score) == (9, 14, Decimal("64.29"))
    dispute.refresh_from_db()
    assert (dispute.status, dispute.answer_before, dispute.answer_after) == (
        DisputeStatus.ACCEPTED,
        "no",
        "yes",
    )
    assert [told["reason"] for told in received] == ["dispute_accepted"]
    assert Activity.objects.filter(action="audit.dispute_accept").count() == 1
    report = manager_client.get(reverse("audits:report", args=[final.pk])).text
    assert "Answer corrected from “No” to “Yes”." in report


def test_rejecting_needs_a_note_and_keeps_the_answer(
    final, budget_item, staff_member, manager_client
):
    dispute = services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="I did ask."
    )
    prefix = f"dispute-{dispute.pk}"
    response = manager_client.post(
        reverse("audits:dispute_decide", args=[dispute.pk]), {f"{prefix}-decision": "reject"}
    )
    assert response.status_code == 422
    response = manager_client.post(
        reverse("audits:dispute_decide", args=[dispute.pk]),
        {f"{prefix}-decision": "reject", f"{prefix}-note": "The recording says otherwise."},
    )
    assert response.status_code == 302
    dispute.refresh_from_db()
    assert dispute.status == DisputeStatus.REJECTED
    budget_item.refresh_from_db()
    assert budget_item.answer == "no"
    final.refresh_from_db()
    assert final.earned == 7


def test_a_decided_dispute_cannot_be_decided_again(final, budget_item, staff_member, manager):
    dispute = services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="I did ask."
    )
    services.dispute_reject(actor=manager.user, dispute=dispute, note="No.")
    with pytest.raises(services.AuditStateError):
        services.dispute_accept(actor=manager.user, dispute=dispute, answer="yes")


def test_managers_see_open_disputes_of_their_departments_only(
    final, budget_item, staff_member, manager_client, sales_manager_client, company
):
    services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="I did ask."
    )
    assert "I did ask." in manager_client.get(reverse("audits:disputes")).text
    assert "I did ask." in sales_manager_client.get(reverse("audits:disputes")).text
    final.department = company.service
    final.save(update_fields=["department"])
    assert "I did ask." not in sales_manager_client.get(reverse("audits:disputes")).text

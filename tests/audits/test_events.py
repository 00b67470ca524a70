"""What the audits app announces to the apps above it (core.events)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from audits import services
from audits.events import AuditAssigned, AuditFinalized, DisputeDecided, DisputeRaised
from core import events

from .test_disputes import budget_item, final  # noqa: F401  (fixtures)


@pytest.fixture
def heard() -> Iterator[list[object]]:
    seen: list[object] = []
    kinds = (AuditAssigned, AuditFinalized, DisputeRaised, DisputeDecided)
    for kind in kinds:
        events.subscribe(kind, seen.append)
    yield seen
    for kind in kinds:
        events.unsubscribe(kind, seen.append)


def test_finalizing_is_announced(heard, audit, manager, auditor_client):
    from .test_submission import submit_all

    heard.clear()
    submit_all(auditor_client, audit)
    audit.refresh_from_db()
    services.audit_finalize(actor=manager.user, audit=audit)
    assert heard == [AuditFinalized(audit_id=audit.pk)]


def test_a_new_assignment_is_announced(heard, template, manager, auditor, company):
    from .conftest import build_audit

    audit = build_audit(template, manager.user, auditor, company.sales)
    assert heard == [AuditAssigned(audit_id=audit.pk, auditor_id=auditor.pk)]


def test_raising_and_deciding_a_dispute_are_announced(heard, budget_item, staff_member, manager):  # noqa: F811
    heard.clear()
    dispute = services.dispute_raise(
        actor=staff_member.user, employee=staff_member, item=budget_item, reason="I asked."
    )
    services.dispute_reject(actor=manager.user, dispute=dispute, note="The recording says no.")
    assert heard == [
        DisputeRaised(dispute_id=dispute.pk),
        DisputeDecided(dispute_id=dispute.pk, accepted=False),
    ]

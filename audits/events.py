"""What the audits app announces (core.events): higher apps act on these without the
audits app knowing them (corrective actions, notifications, training, the program).

Each event is published inside the transaction of the service that made it true and
carries ids only; a handler reads what it needs and sends anything with
`transaction.on_commit`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AuditAssigned:
    """An auditor was given an audit to carry out (`audits.services.audit_assign`)."""

    audit_id: int
    auditor_id: int


@dataclass(frozen=True)
class AuditFinalized:
    """A submitted audit became final and now counts (`audit_finalize`): its answers,
    failures and figures are stored."""

    audit_id: int


@dataclass(frozen=True)
class DisputeRaised:
    """An observed employee disputed an answer (`dispute_raise`)."""

    dispute_id: int


@dataclass(frozen=True)
class DisputeDecided:
    """A dispute was accepted or rejected (`dispute_accept`, `dispute_reject`)."""

    dispute_id: int
    accepted: bool

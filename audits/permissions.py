"""Who may see or change which audit.

- Managers: checklist templates, and every audit of the departments in their subtree
  (assign, review, finalize, decide disputes).
- Auditors: only the audits assigned to them; they fill them in until submitted and
  afterwards see the score they submitted, nothing more.
- Staff: only final audits in which they were observed, only their own steps, and
  they may dispute those answers for a limited time.

A role that never reaches a page gets 403; an audit outside the user's scope is
404 (its existence is not theirs to know).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roles.models import ProgramRole
from roles.permissions import employee_of, has_role, is_manager

from .models import Audit
from .selectors import audits_managed_by, audits_observing


def is_auditor(user: Any) -> bool:
    return has_role(user, ProgramRole.AUDITOR)


def is_staff_member(user: Any) -> bool:
    return has_role(user, ProgramRole.STAFF)


def can_use_audits(user: Any) -> bool:
    return is_manager(user) or is_auditor(user) or is_staff_member(user)


def require_audits_user(user: Any) -> None:
    if not can_use_audits(user):
        raise PermissionDenied


def require_templates_manager(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied


def manages_audit(user: Any, audit: Audit) -> bool:
    return is_manager(user) and audits_managed_by(user).filter(pk=audit.pk).exists()


def fills_audit(user: Any, audit: Audit) -> bool:
    return is_auditor(user) and audit.auditor_id == user.pk


def observed_in_audit(user: Any, audit: Audit) -> bool:
    if not is_staff_member(user):
        return False
    return audits_observing(employee_of(user)).filter(pk=audit.pk).exists()


def require_auditor_of(user: Any, audit: Audit) -> None:
    """The auditor the audit was assigned to (403 for other roles, 404 for others' audits)."""
    if not is_auditor(user):
        raise PermissionDenied
    if audit.auditor_id != user.pk:
        raise Http404


def require_manager_of(user: Any, audit: Audit) -> None:
    if not is_manager(user):
        raise PermissionDenied
    if not manages_audit(user, audit):
        raise Http404


def require_report_reader(user: Any, audit: Audit) -> None:
    """Managers of the audited department; staff observed in it once it is final."""
    if not (is_manager(user) or is_staff_member(user)):
        raise PermissionDenied
    if manages_audit(user, audit) or observed_in_audit(user, audit):
        return
    raise Http404


def require_evidence_reader(user: Any, audit: Audit) -> None:
    """Whoever may see the audit's answers: its auditor while drafting, its managers,
    and the staff observed in it (a view limits them to their own steps' photos)."""
    require_audits_user(user)
    if manages_audit(user, audit) or (fills_audit(user, audit) and audit.is_draft):
        return
    if observed_in_audit(user, audit):
        return
    raise Http404

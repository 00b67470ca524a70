"""Who may read or edit the journey map.

The journey map is company-wide: managers edit it, auditors read it (they audit
against it). Staff reach only their own duties.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from roles.models import ProgramRole
from roles.permissions import has_role, is_manager


def can_read_journeys(user: Any) -> bool:
    return is_manager(user) or has_role(user, ProgramRole.AUDITOR)


def require_journey_reader(user: Any) -> None:
    if not can_read_journeys(user):
        raise PermissionDenied


def require_journey_editor(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied

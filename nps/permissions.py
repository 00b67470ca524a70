"""Who may use the NPS pages.

Managers work with the responses of their part of the organisation (selectors scope
every query); everybody else gets 403. Export files belong to whoever asked for them.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied

from roles.permissions import is_manager


def can_work_with_nps(user: Any) -> bool:
    return is_manager(user)


def require_nps_manager(user: Any) -> None:
    if not can_work_with_nps(user):
        raise PermissionDenied

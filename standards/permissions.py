"""Who may read, write and follow the standards book.

- Reading the published book (and its archive): managers, auditors and staff.
- Drafts: only managers see them; only a company-wide manager writes and publishes,
  because there is one book for the whole company.
- Acknowledgement figures: managers, for the departments in their subtree.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404

from roles.models import ProgramRole
from roles.permissions import has_role, is_manager, manager_sees_everything

from .models import BookVersion


def can_read_book(user: Any) -> bool:
    return (
        is_manager(user) or has_role(user, ProgramRole.AUDITOR) or has_role(user, ProgramRole.STAFF)
    )


def require_book_reader(user: Any) -> None:
    if not can_read_book(user):
        raise PermissionDenied


def can_edit_book(user: Any) -> bool:
    return is_manager(user) and manager_sees_everything(user)


def require_book_editor(user: Any) -> None:
    if not can_edit_book(user):
        raise PermissionDenied


def require_version_visible(user: Any, version: BookVersion) -> None:
    """A draft is not yet the book: outside the managers it does not exist (404)."""
    require_book_reader(user)
    if version.is_draft and not is_manager(user):
        raise Http404

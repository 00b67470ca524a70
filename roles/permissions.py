"""Who may see or change what in the organisation.

Scope rule: a manager sees the subtree of the department they work in (their
Employee record); a superuser sees everything; anyone else sees nothing here.
Views call these helpers; templates may hide links, but never decide access.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Department, Employee, ProgramRole

UserLike = AbstractBaseUser | AnonymousUser


def user_roles(user: Any) -> set[str]:
    """The program roles of a user, as a set of ProgramRole values."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached: set[str] | None = getattr(user, "_program_roles", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached.add(ProgramRole.MANAGER)
        user._program_roles = cached
    return cached


def has_role(user: Any, role: str) -> bool:
    return role in user_roles(user)


def is_manager(user: Any) -> bool:
    return has_role(user, ProgramRole.MANAGER)


def require_manager(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied


def employee_of(user: Any) -> Employee | None:
    if not getattr(user, "is_authenticated", False):
        return None
    try:
        employee: Employee = user.employee
    except Employee.DoesNotExist:
        return None
    return employee


def manager_root_department(user: Any) -> Department | None:
    """The top of the subtree a manager may see; None means the whole company."""
    employee = employee_of(user)
    if employee is None:
        return None
    return employee.department


def manager_sees_everything(user: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    root = manager_root_department(user)
    return root is not None and root.parent_id is None


def require_department_in_scope(user: Any, department: Department) -> None:
    """404 for a department outside the manager's subtree (its existence is not theirs)."""
    from .selectors import departments_visible_to

    if not departments_visible_to(user).filter(pk=department.pk).exists():
        raise Http404

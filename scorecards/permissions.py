"""Who may see which figures.

- Everyone with an employee record sees their own scorecard; another's is a 404 for
  staff (its existence is not theirs) and for a manager outside their subtree.
- Managers see the dashboard of their department subtree; a company-wide manager
  edits the incentive rules (they apply to the whole company).
- API clients (and superusers) read the whole company's scores through the API.
Views call these helpers; templates only hide links.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from roles.models import Department, Employee, ProgramRole
from roles.permissions import employee_of, has_role, is_manager, manager_sees_everything
from roles.selectors import departments_visible_to


def sees_whole_company(user: Any) -> bool:
    return bool(getattr(user, "is_superuser", False)) or has_role(user, ProgramRole.API_CLIENT)


def departments_in_scope(user: Any) -> QuerySet[Department]:
    if sees_whole_company(user):
        return Department.objects.all()
    return departments_visible_to(user)


def employees_in_scope(user: Any) -> QuerySet[Employee]:
    return Employee.objects.filter(department__in=departments_in_scope(user))


def require_dashboard_reader(user: Any) -> None:
    if not is_manager(user):
        raise PermissionDenied


def can_edit_bands(user: Any) -> bool:
    return is_manager(user) and manager_sees_everything(user)


def require_band_editor(user: Any) -> None:
    if not can_edit_bands(user):
        raise PermissionDenied


def department_in_scope_or_404(user: Any, department_id: int) -> Department:
    require_dashboard_reader(user)
    return get_object_or_404(departments_in_scope(user), pk=department_id)


def scorecard_employee_or_404(user: Any, employee_id: int) -> Employee:
    """The employee whose scorecard the user asked for, if they may see it."""
    own = employee_of(user)
    if own is not None and own.pk == employee_id:
        return Employee.objects.select_related("department", "position").get(pk=employee_id)
    if is_manager(user):
        return get_object_or_404(
            employees_in_scope(user).select_related("department", "position"), pk=employee_id
        )
    if own is not None or has_role(user, ProgramRole.STAFF):
        raise Http404
    raise PermissionDenied


def own_employee_or_403(user: Any) -> Employee:
    own = employee_of(user)
    if own is None:
        raise PermissionDenied
    return Employee.objects.select_related("department", "position").get(pk=own.pk)

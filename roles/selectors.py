"""Reads of the organisation, scoped to what a user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import Activity, Department, Employee, Position
from .permissions import is_manager, manager_root_department


def departments_visible_to(user: Any) -> QuerySet[Department]:
    """Departments a user may see: a manager's subtree, everything for a superuser."""
    if getattr(user, "is_superuser", False):
        return Department.objects.all()
    if not is_manager(user):
        return Department.objects.none()
    root = manager_root_department(user)
    if root is None:
        return Department.objects.none()
    return Department.objects.subtree_of(root)


def employees_visible_to(user: Any) -> QuerySet[Employee]:
    return Employee.objects.filter(department__in=departments_visible_to(user)).select_related(
        "department", "position", "user"
    )


def employee_search(*, queryset: QuerySet[Employee], query: str) -> QuerySet[Employee]:
    """Match on name, personnel number, department or position (case-insensitive)."""
    query = query.strip()
    if not query:
        return queryset
    return queryset.filter(
        Q(full_name__icontains=query)
        | Q(personnel_number__icontains=query)
        | Q(department__name__icontains=query)
        | Q(position__name__icontains=query)
    )


def positions_visible_to(user: Any) -> QuerySet[Position]:
    """Positions are a company-wide catalogue that every manager works with."""
    if not is_manager(user):
        return Position.objects.none()
    return Position.objects.all()


def activity_for(*, target_type: str, target_id: int | str) -> QuerySet[Activity]:
    return Activity.objects.filter(
        target_type=target_type, target_id=str(target_id)
    ).select_related("actor")

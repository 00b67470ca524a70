"""Reads of the organisation, scoped to what a user may see."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from core.types import Viewer

from .models import Department, Employee, Position
from .permissions import is_manager, manager_root_department


def departments_visible_to(user: Viewer) -> QuerySet[Department]:
    """Departments a user may see: a manager's subtree, everything for a superuser."""
    if getattr(user, "is_superuser", False):
        return Department.objects.all()
    if not is_manager(user):
        return Department.objects.none()
    root = manager_root_department(user)
    if root is None:
        return Department.objects.none()
    return Department.objects.subtree_of(root)


def employees_visible_to(user: Viewer) -> QuerySet[Employee]:
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


def positions_visible_to(user: Viewer) -> QuerySet[Position]:
    """Positions are a company-wide catalogue that every manager works with."""
    if not is_manager(user):
        return Position.objects.none()
    return Position.objects.all()


@dataclass
class DepartmentNode:
    """A department in the tree as a manager sees it: its depth, and its active head
    count alone and with the departments below it."""

    department: Department
    depth: int
    employee_count: int
    subtree_employee_count: int = 0


def department_tree(user: Viewer) -> list[DepartmentNode]:
    """The visible departments in tree order (siblings by name), with active head counts."""
    rows = (
        departments_visible_to(user)
        .select_related("head")
        .annotate(active_employees=Count("employees", filter=Q(employees__is_active=True)))
    )
    counts: dict[int, int] = {}
    departments: list[Department] = []
    for row in rows:
        counts[row.pk] = row.active_employees
        departments.append(row)
    visible_ids = set(counts)
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        key = department.parent_id if department.parent_id in visible_ids else None
        children.setdefault(key, []).append(department)
    for siblings in children.values():
        siblings.sort(key=lambda department: department.name.casefold())

    nodes: list[DepartmentNode] = []

    def walk(parent_id: int | None, depth: int) -> int:
        total = 0
        for department in children.get(parent_id, []):
            node = DepartmentNode(department, depth, counts[department.pk])
            nodes.append(node)
            node.subtree_employee_count = node.employee_count + walk(department.pk, depth + 1)
            total += node.subtree_employee_count
        return total

    walk(None, 0)
    return nodes


def department_node(user: Viewer, department: Department) -> DepartmentNode:
    return next(node for node in department_tree(user) if node.department.pk == department.pk)

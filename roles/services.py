"""Writes to the organisation. Each one runs in a transaction and leaves an activity row."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils.translation import gettext as _

from .models import Activity, Department, Employee, Gender, Position, ProgramRole


def activity_record(
    *,
    actor: Any,
    action: str,
    target: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> Activity:
    """Record who did what to which object. Call inside the writing transaction."""
    return Activity.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=summary[:500],
        data=data or {},
    )


def _changed_fields(instance: models.Model, values: dict[str, Any]) -> dict[str, list[str]]:
    changes: dict[str, list[str]] = {}
    for field, new in values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [str(old), str(new)]
    return changes


# Departments -----------------------------------------------------------------


def _department_refresh_path(department: Department) -> None:
    parent_path = department.parent.path if department.parent else ""
    department.path = f"{parent_path}{department.pk}/"
    Department.objects.filter(pk=department.pk).update(path=department.path)


@transaction.atomic
def department_create(
    *,
    actor: Any,
    name: str,
    parent: Department | None,
    head: Employee | None = None,
) -> Department:
    department = Department(name=name.strip(), parent=parent, head=head)
    department.full_clean(exclude=["path"])
    department.save()
    _department_refresh_path(department)
    activity_record(
        actor=actor,
        action="department.create",
        target=department,
        summary=_("Department “%(name)s” created") % {"name": department.name},
    )
    return department


@transaction.atomic
def department_update(
    *,
    actor: Any,
    department: Department,
    name: str,
    parent: Department | None,
    head: Employee | None,
) -> Department:
    """Rename, move or change the head. Moving re-paths the whole subtree."""
    if parent is not None and (parent.pk == department.pk or parent.is_within(department)):
        raise ValidationError(
            {"parent": _("A department cannot be placed inside itself or below itself.")}
        )
    values = {"name": name.strip(), "parent": parent, "head": head}
    changes = _changed_fields(department, values)
    old_path = department.path
    for field, value in values.items():
        setattr(department, field, value)
    department.full_clean(exclude=["path"])
    department.save()
    if "parent" in changes:
        _department_refresh_path(department)
        # Every descendant's path starts with the old prefix: swap it in one UPDATE.
        Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk).update(
            path=Concat(Value(department.path), Substr(F("path"), len(old_path) + 1))
        )
    if changes:
        activity_record(
            actor=actor,
            action="department.update",
            target=department,
            summary=_("Department “%(name)s” changed") % {"name": department.name},
            data={"changes": changes},
        )
    return department


@transaction.atomic
def department_set_active(*, actor: Any, department: Department, is_active: bool) -> Department:
    if not is_active and (
        Employee.objects.filter(department__path__startswith=department.path, is_active=True)
        .exists()
    ):
        raise ValidationError(
            _("Move or deactivate the active employees of this department and the departments below it first.")
        )
    department.is_active = is_active
    department.save(update_fields=["is_active", "updated_at"])
    activity_record(
        actor=actor,
        action="department.activate" if is_active else "department.deactivate",
        target=department,
        summary=(
            _("Department “%(name)s” reactivated")
            if is_active
            else _("Department “%(name)s” deactivated")
        )
        % {"name": department.name},
    )
    return department


# Positions ------------------------------------------------------------------


@transaction.atomic
def position_create(*, actor: Any, name: str, description: str = "") -> Position:
    position = Position(name=name.strip(), description=description.strip())
    position.full_clean()
    position.save()
    activity_record(
        actor=actor,
        action="position.create",
        target=position,
        summary=_("Position “%(name)s” created") % {"name": position.name},
    )
    return position


@transaction.atomic
def position_update(*, actor: Any, position: Position, name: str, description: str) -> Position:
    values = {"name": name.strip(), "description": description.strip()}
    changes = _changed_fields(position, values)
    for field, value in values.items():
        setattr(position, field, value)
    position.full_clean()
    position.save()
    if changes:
        activity_record(
            actor=actor,
            action="position.update",
            target=position,
            summary=_("Position “%(name)s” changed") % {"name": position.name},
            data={"changes": changes},
        )
    return position


@transaction.atomic
def position_set_active(*, actor: Any, position: Position, is_active: bool) -> Position:
    if not is_active and position.employees.filter(is_active=True).exists():
        raise ValidationError(
            _("Active employees hold this position: move them to another position first.")
        )
    position.is_active = is_active
    position.save(update_fields=["is_active", "updated_at"])
    activity_record(
        actor=actor,
        action="position.activate" if is_active else "position.deactivate",
        target=position,
        summary=(
            _("Position “%(name)s” reactivated")
            if is_active
            else _("Position “%(name)s” deactivated")
        )
        % {"name": position.name},
    )
    return position


# Employees ------------------------------------------------------------------

EMPLOYEE_FIELDS = (
    "full_name",
    "department",
    "position",
    "gender",
    "hire_date",
    "email",
)


@transaction.atomic
def employee_create(
    *,
    actor: Any,
    personnel_number: str,
    full_name: str,
    department: Department,
    position: Position,
    gender: str,
    hire_date: datetime.date | None = None,
    email: str = "",
) -> Employee:
    employee = Employee(
        personnel_number=personnel_number.strip(),
        full_name=full_name.strip(),
        department=department,
        position=position,
        gender=gender,
        hire_date=hire_date,
        email=email.strip(),
    )
    employee.full_clean(exclude=["user"])
    employee.save()
    activity_record(
        actor=actor,
        action="employee.create",
        target=employee,
        summary=_("Employee “%(name)s” added") % {"name": employee.full_name},
    )
    return employee


@transaction.atomic
def employee_update(*, actor: Any, employee: Employee, **values: Any) -> Employee:
    unknown = set(values) - set(EMPLOYEE_FIELDS) - {"personnel_number"}
    if unknown:
        raise TypeError(f"Unknown employee fields: {sorted(unknown)}")
    for key in ("full_name", "email", "personnel_number"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip()
    changes = _changed_fields(employee, values)
    for field, value in values.items():
        setattr(employee, field, value)
    employee.full_clean(exclude=["user"])
    employee.save()
    if changes:
        activity_record(
            actor=actor,
            action="employee.update",
            target=employee,
            summary=_("Employee “%(name)s” changed") % {"name": employee.full_name},
            data={"changes": changes},
        )
    return employee


@transaction.atomic
def employee_set_active(*, actor: Any, employee: Employee, is_active: bool) -> Employee:
    employee.is_active = is_active
    employee.save(update_fields=["is_active", "updated_at"])
    if employee.user_id and not is_active:
        # A deactivated employee can no longer sign in.
        type(employee.user).objects.filter(pk=employee.user_id).update(is_active=False)
    activity_record(
        actor=actor,
        action="employee.activate" if is_active else "employee.deactivate",
        target=employee,
        summary=(
            _("Employee “%(name)s” reactivated")
            if is_active
            else _("Employee “%(name)s” deactivated")
        )
        % {"name": employee.full_name},
    )
    return employee


@transaction.atomic
def employee_link_login(
    *, actor: Any, employee: Employee, user: Any, roles: list[str] | None = None
) -> Employee:
    """Link a login to an employee and give it program roles (staff by default)."""
    if Employee.objects.filter(user=user).exclude(pk=employee.pk).exists():
        raise ValidationError(_("This login already belongs to another employee."))
    employee.user = user
    employee.save(update_fields=["user", "updated_at"])
    for role in roles or [ProgramRole.STAFF]:
        user.groups.add(Group.objects.get(name=role))
    activity_record(
        actor=actor,
        action="employee.link_login",
        target=employee,
        summary=_("Login “%(login)s” linked to “%(name)s”")
        % {"login": user.get_username(), "name": employee.full_name},
    )
    return employee


def gender_values() -> set[str]:
    return {value for value, _label in Gender.choices}

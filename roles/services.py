"""Writes to the organisation. Each one runs in a transaction and leaves an activity row."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.activity import activity_build, activity_record
from core.edits import Revision, edit_lock, model_create, model_update, set_active
from core.models import Activity
from core.types import Actor

from .imports import EmployeeRowValues, employee_changes, employee_field_values, existing_employees
from .models import Department, Employee, EmployeeImport, Gender, Position, ProgramRole
from .signals import department_moved

logger = logging.getLogger(__name__)


def _name_taken(names: Sequence[str], name: str) -> bool:
    """Case-insensitive beyond ASCII (SQLite's lower() folds only ASCII letters)."""
    folded = name.strip().casefold()
    return any(other.casefold() == folded for other in names)


# Departments -----------------------------------------------------------------


def _department_refresh_path(department: Department) -> None:
    parent_path = department.parent.path if department.parent else ""
    department.path = f"{parent_path}{department.pk}/"
    Department.objects.filter(pk=department.pk).update(path=department.path)


def _department_guard_name(
    *, name: str, parent: Department | None, department: Department | None
) -> None:
    siblings = Department.objects.filter(parent=parent)
    if department is not None:
        siblings = siblings.exclude(pk=department.pk)
    if _name_taken(list(siblings.values_list("name", flat=True)), name):
        raise ValidationError(
            {"name": _("There is already a department with this name at this place in the tree.")}
        )


@transaction.atomic
def department_create(
    *,
    actor: Actor,
    name: str,
    parent: Department | None,
    head: Employee | None = None,
) -> Department:
    _department_guard_name(name=name, parent=parent, department=None)
    if parent is not None and not parent.is_active:
        raise ValidationError({"parent": _("The parent department is deactivated.")})
    department = Department(name=name.strip(), parent=parent, head=head)
    model_create(
        actor=actor,
        instance=department,
        message=gettext_lazy("Department “%(name)s” created"),
        params={"name": department.name},
        clean_exclude=["path"],
    )
    _department_refresh_path(department)
    return department


@transaction.atomic
def department_update(
    *,
    actor: Actor,
    department: Department,
    name: str,
    parent: Department | None,
    head: Employee | None,
    expected_updated_at: Revision | None = None,
) -> Department:
    """Rename, move or change the head. Moving re-paths the whole subtree.

    With `expected_updated_at`, a save based on an outdated form raises EditConflict.
    """
    edit_lock(Department, department.pk, expected=expected_updated_at)
    if parent is not None and (parent.pk == department.pk or parent.is_within(department)):
        raise ValidationError(
            {"parent": _("A department cannot be placed inside itself or below itself.")}
        )
    if parent is not None and parent.pk != department.parent_id and not parent.is_active:
        raise ValidationError({"parent": _("The parent department is deactivated.")})
    _department_guard_name(name=name, parent=parent, department=department)
    old_path = department.path
    old_parent_id = department.parent_id
    changes = model_update(
        instance=department,
        data={"name": name.strip(), "parent": parent, "head": head},
        clean_exclude=["path"],
    )
    if "parent" in changes:
        _department_refresh_path(department)
        # Every descendant's path starts with the old prefix: swap it in one UPDATE.
        Department.objects.filter(path__startswith=old_path).exclude(pk=department.pk).update(
            path=Concat(Value(department.path), Substr(F("path"), len(old_path) + 1))
        )
        department_moved.send(
            sender=Department,
            department_id=department.pk,
            old_parent_id=old_parent_id,
            new_parent_id=department.parent_id,
        )
    if changes:
        activity_record(
            actor=actor,
            action="department.update",
            target=department,
            message=gettext_lazy("Department “%(name)s” changed"),
            params={"name": department.name},
            data={"changes": changes},
        )
    return department


@transaction.atomic
def department_set_active(*, actor: Actor, department: Department, is_active: bool) -> Department:
    """Deactivate a department with the departments below it, or reactivate one.

    Refused while any of them has active employees; a department is reactivated only
    under an active parent.
    """
    if not is_active:
        employee_count = Employee.objects.filter(
            department__path__startswith=department.path, is_active=True
        ).count()
        if employee_count:
            raise ValidationError(
                ngettext(
                    "“%(name)s” still has %(count)s active employee in it or in the "
                    "departments below it: move or deactivate them first.",
                    "“%(name)s” still has %(count)s active employees in it or in the "
                    "departments below it: move or deactivate them first.",
                    employee_count,
                )
                % {"name": department.name, "count": employee_count}
            )
    elif department.parent is not None and not department.parent.is_active:
        raise ValidationError(
            _("Reactivate the parent department “%(parent)s” first.")
            % {"parent": department.parent.name}
        )
    below: list[str] = []
    if not is_active:
        # A deactivated department takes its empty sub-departments with it: an
        # inactive branch with active leaves would be a tree nobody can use.
        below_queryset = Department.objects.filter(
            path__startswith=department.path, is_active=True
        ).exclude(pk=department.pk)
        below = list(below_queryset.values_list("name", flat=True))
        below_queryset.update(is_active=False, updated_at=timezone.now())
    return set_active(
        actor=actor,
        instance=department,
        is_active=is_active,
        message=(
            gettext_lazy("Department “%(name)s” reactivated")
            if is_active
            else gettext_lazy("Department “%(name)s” deactivated")
        ),
        params={"name": department.name},
        data={"also_deactivated": below} if below else None,
    )


# Positions ------------------------------------------------------------------


def _position_guard_name(*, name: str, position: Position | None) -> None:
    others = Position.objects.all()
    if position is not None:
        others = others.exclude(pk=position.pk)
    if _name_taken(list(others.values_list("name", flat=True)), name):
        raise ValidationError({"name": _("There is already a position with this name.")})


@transaction.atomic
def position_create(*, actor: Actor, name: str, description: str = "") -> Position:
    _position_guard_name(name=name, position=None)
    position = Position(name=name.strip(), description=description.strip())
    return model_create(
        actor=actor,
        instance=position,
        message=gettext_lazy("Position “%(name)s” created"),
        params={"name": position.name},
    )


@transaction.atomic
def position_update(
    *,
    actor: Actor,
    position: Position,
    name: str,
    description: str,
    expected_updated_at: Revision | None = None,
) -> Position:
    edit_lock(Position, position.pk, expected=expected_updated_at)
    _position_guard_name(name=name, position=position)
    changes = model_update(
        instance=position, data={"name": name.strip(), "description": description.strip()}
    )
    if changes:
        activity_record(
            actor=actor,
            action="position.update",
            target=position,
            message=gettext_lazy("Position “%(name)s” changed"),
            params={"name": position.name},
            data={"changes": changes},
        )
    return position


@transaction.atomic
def position_set_active(*, actor: Actor, position: Position, is_active: bool) -> Position:
    if not is_active:
        holders = position.employees.filter(is_active=True).count()
        if holders:
            raise ValidationError(
                ngettext(
                    "%(count)s active employee holds the position “%(name)s”: move them to "
                    "another position first.",
                    "%(count)s active employees hold the position “%(name)s”: move them to "
                    "another position first.",
                    holders,
                )
                % {"count": holders, "name": position.name}
            )
    return set_active(
        actor=actor,
        instance=position,
        is_active=is_active,
        message=(
            gettext_lazy("Position “%(name)s” reactivated")
            if is_active
            else gettext_lazy("Position “%(name)s” deactivated")
        ),
        params={"name": position.name},
    )


# Employees ------------------------------------------------------------------

EMPLOYEE_FIELDS = (
    "full_name",
    "department",
    "position",
    "gender",
    "hire_date",
    "email",
)


def _employee_guard_placement(
    *, department: Department, position: Position, employee: Employee | None
) -> None:
    """New placements go to active departments and positions only; old ones may stay."""
    errors: dict[str, str] = {}
    if not department.is_active and (employee is None or employee.department_id != department.pk):
        errors["department"] = _("This department is deactivated.")
    if not position.is_active and (employee is None or employee.position_id != position.pk):
        errors["position"] = _("This position is deactivated.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def employee_create(
    *,
    actor: Actor,
    personnel_number: str,
    full_name: str,
    department: Department,
    position: Position,
    gender: str,
    hire_date: datetime.date | None = None,
    email: str = "",
) -> Employee:
    _employee_guard_placement(department=department, position=position, employee=None)
    employee = Employee(
        personnel_number=personnel_number.strip(),
        full_name=full_name.strip(),
        department=department,
        position=position,
        gender=gender,
        hire_date=hire_date,
        email=email.strip(),
    )
    return model_create(
        actor=actor,
        instance=employee,
        message=gettext_lazy("Employee “%(name)s” added"),
        params={"name": employee.full_name},
        clean_exclude=["user"],
    )


@transaction.atomic
def employee_update(
    *,
    actor: Actor,
    employee: Employee,
    expected_updated_at: Revision | None = None,
    **values: Any,
) -> Employee:
    unknown = set(values) - set(EMPLOYEE_FIELDS) - {"personnel_number"}
    if unknown:
        raise TypeError(f"Unknown employee fields: {sorted(unknown)}")
    edit_lock(Employee, employee.pk, expected=expected_updated_at)
    _employee_guard_placement(
        department=values.get("department", employee.department),
        position=values.get("position", employee.position),
        employee=employee,
    )
    for key in ("full_name", "email", "personnel_number"):
        if key in values and isinstance(values[key], str):
            values[key] = values[key].strip()
    changes = model_update(instance=employee, data=values, clean_exclude=["user"])
    if changes:
        activity_record(
            actor=actor,
            action="employee.update",
            target=employee,
            message=gettext_lazy("Employee “%(name)s” changed"),
            params={"name": employee.full_name},
            data={"changes": changes},
        )
    return employee


@transaction.atomic
def employee_set_active(*, actor: Actor, employee: Employee, is_active: bool) -> Employee:
    """A deactivated employee can no longer sign in; a reactivated one can again."""
    if not is_active and employee.user_id and employee.user_id == getattr(actor, "pk", None):
        raise ValidationError(_("You cannot deactivate yourself."))
    if is_active and not employee.department.is_active:
        raise ValidationError(
            _("Reactivate the department “%(name)s” first, or move the employee to another one.")
            % {"name": employee.department.name}
        )
    if is_active and not employee.position.is_active:
        raise ValidationError(
            _("Reactivate the position “%(name)s” first, or give the employee another one.")
            % {"name": employee.position.name}
        )
    if employee.user_id:
        get_user_model().objects.filter(pk=employee.user_id).update(is_active=is_active)
    return set_active(
        actor=actor,
        instance=employee,
        is_active=is_active,
        message=(
            gettext_lazy("Employee “%(name)s” reactivated")
            if is_active
            else gettext_lazy("Employee “%(name)s” deactivated")
        ),
        params={"name": employee.full_name},
    )


@transaction.atomic
def employee_link_login(
    *, actor: Actor, employee: Employee, user: Actor, roles: list[str] | None = None
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
        message=gettext_lazy("Login “%(login)s” linked to “%(name)s”"),
        params={"login": user.get_username(), "name": employee.full_name},
    )
    return employee


# Roles a manager may give a login from the employee pages. API clients are
# systems, not people, and are set up by an administrator.
LOGIN_ROLES = (ProgramRole.STAFF, ProgramRole.AUDITOR, ProgramRole.MANAGER)


@transaction.atomic
def employee_create_login(
    *, actor: Actor, employee: Employee, username: str, password: str, roles: Sequence[str]
) -> Employee:
    """Create a login for an employee who has none and link it (see employee_link_login).

    The password must pass the site's password rules; roles are limited to LOGIN_ROLES.
    """
    if employee.user_id:
        raise ValidationError(_("This employee already has a login."))
    if not employee.is_active:
        raise ValidationError(_("Reactivate the employee before creating a login."))
    chosen = list(dict.fromkeys(roles))
    if not chosen:
        raise ValidationError({"roles": _("Choose at least one role.")})
    if set(chosen) - set(LOGIN_ROLES):
        raise ValidationError({"roles": _("These roles cannot be given here.")})
    user_model = get_user_model()
    username = username.strip()
    if user_model.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken: choose another one.")})
    user = user_model(
        username=username,
        email=employee.email,
        first_name=employee.full_name[:150],
        is_active=True,
    )
    try:
        password_validation.validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from error
    user.set_password(password)
    user.full_clean(exclude=["password", "last_name"])
    user.save()
    return employee_link_login(actor=actor, employee=employee, user=user, roles=chosen)


def gender_values() -> set[str]:
    return {value for value, _label in Gender.choices}


# Employee CSV import -------------------------------------------------------------

# A job still queued this long after it was confirmed lost its message (a broker that
# was down at enqueue time): the sweep sends it again.
EMPLOYEE_IMPORT_REQUEUE_AFTER = datetime.timedelta(minutes=5)
EMPLOYEE_IMPORT_SOFT_TIME_LIMIT = 9 * 60
EMPLOYEE_IMPORT_TIME_LIMIT = 10 * 60
# A job running longer than the hard time limit was killed with its worker; its
# transaction was rolled back, so nothing of it was written.
EMPLOYEE_IMPORT_INTERRUPTED_AFTER = datetime.timedelta(seconds=EMPLOYEE_IMPORT_TIME_LIMIT + 120)


class EmployeeImportRejected(Exception):
    """The import cannot be applied as previewed; nothing of it is written."""


@transaction.atomic
def employee_import_create(
    *, actor: Actor, file_name: str, checksum: str, rows: list[EmployeeRowValues]
) -> EmployeeImport:
    """Keep a previewed, error-free file so the manager can confirm exactly what was shown.

    A preview changes nothing shared, so it leaves no activity row; confirming does.
    """
    if not rows:
        raise ValidationError(_("The file has no employees to import."))
    return EmployeeImport.objects.create(
        uploaded_by=actor, file_name=file_name[:255], checksum=checksum, rows=rows
    )


def _employee_import_enqueue(import_id: int) -> None:
    from .tasks import employee_import_apply as apply_task

    try:
        apply_task.delay(import_id)
    except Exception:
        # The confirmation is saved; the sweep sends the job again within minutes.
        logger.exception("Could not enqueue employee import %s; the sweep will retry", import_id)


@transaction.atomic
def employee_import_confirm(*, actor: Actor, employee_import: EmployeeImport) -> EmployeeImport:
    """Queue a previewed import for the apply task, once, after this transaction commits."""
    claimed = EmployeeImport.objects.filter(
        pk=employee_import.pk, status=EmployeeImport.Status.PREVIEWED
    ).update(status=EmployeeImport.Status.QUEUED, queued_at=timezone.now())
    if not claimed:
        raise ValidationError(_("This import has already been confirmed."))
    employee_import.refresh_from_db()
    activity_record(
        actor=actor,
        action="employee_import.confirm",
        target=employee_import,
        message=gettext_lazy("Import of “%(file)s” confirmed (%(count)s rows)"),
        params={"file": employee_import.file_name, "count": len(employee_import.rows)},
    )
    pk = employee_import.pk
    transaction.on_commit(lambda: _employee_import_enqueue(pk))
    return employee_import


def employee_import_apply(*, import_id: int) -> None:
    """Write a confirmed import: every row or none. Safe to call twice.

    The job is claimed with a conditional UPDATE (queued -> running); a second call
    finds nothing to claim and returns. Rows are upserted by personnel number in one
    transaction, after checking that their departments and positions still exist, are
    active and within the uploader's part of the organisation. The job ends done, with
    counts, or failed, with the reason; a failed job wrote nothing.
    """
    claimed = EmployeeImport.objects.filter(
        pk=import_id, status=EmployeeImport.Status.QUEUED
    ).update(status=EmployeeImport.Status.RUNNING, started_at=timezone.now())
    if not claimed:
        return
    employee_import = EmployeeImport.objects.select_related("uploaded_by").get(pk=import_id)
    try:
        with transaction.atomic():
            counts = _employee_import_write(employee_import)
            finished = EmployeeImport.objects.filter(
                pk=import_id, status=EmployeeImport.Status.RUNNING
            ).update(
                status=EmployeeImport.Status.DONE,
                finished_at=timezone.now(),
                created_count=counts["created"],
                updated_count=counts["updated"],
                unchanged_count=counts["unchanged"],
                error="",
            )
            if not finished:
                raise EmployeeImportRejected(
                    _("The import was stopped before it finished. Nothing was written.")
                )
    except EmployeeImportRejected as error:
        _employee_import_fail(import_id, str(error))
    except Exception:
        logger.exception("Employee import %s failed", import_id)
        _employee_import_fail(
            import_id,
            _(
                "The import stopped because of an unexpected error. Nothing was written. "
                "Upload the file again; if it happens again, tell your administrator."
            ),
        )


def _employee_import_fail(import_id: int, message: str) -> None:
    EmployeeImport.objects.filter(pk=import_id, status=EmployeeImport.Status.RUNNING).update(
        status=EmployeeImport.Status.FAILED, error=message, finished_at=timezone.now()
    )


def _employee_import_problems(
    rows: list[EmployeeRowValues],
    existing: dict[str, Employee],
    departments: dict[int, Department],
    positions: dict[int, Position],
    visible_ids: set[int],
) -> list[str]:
    problems = []
    for row in rows:
        if row["department_id"] not in departments:
            problems.append(
                _(
                    "line %(line)s: the department “%(name)s” no longer exists, was "
                    "deactivated or is outside your part of the organisation"
                )
                % {"line": row["line"], "name": row["department"]}
            )
        if row["position_id"] not in positions:
            problems.append(
                _("line %(line)s: the position “%(name)s” no longer exists or was deactivated")
                % {"line": row["line"], "name": row["position"]}
            )
        employee = existing.get(row["personnel_number"])
        if employee is not None and employee.department_id not in visible_ids:
            problems.append(
                _(
                    "line %(line)s: personnel number %(number)s now belongs to an employee "
                    "outside your part of the organisation"
                )
                % {"line": row["line"], "number": row["personnel_number"]}
            )
    return problems


def _employee_import_write(employee_import: EmployeeImport) -> dict[str, int]:
    from .selectors import departments_visible_to

    actor = employee_import.uploaded_by
    rows: list[EmployeeRowValues] = employee_import.rows
    visible = departments_visible_to(actor)
    visible_ids = set(visible.values_list("pk", flat=True))
    departments = {department.pk: department for department in visible.filter(is_active=True)}
    positions = {position.pk: position for position in Position.objects.filter(is_active=True)}
    existing = existing_employees(row["personnel_number"] for row in rows)
    problems = _employee_import_problems(rows, existing, departments, positions, visible_ids)
    if problems:
        shown = "; ".join(problems[:10])
        if len(problems) > 10:
            shown += " " + _("and %(count)s more") % {"count": len(problems) - 10}
        raise EmployeeImportRejected(
            _("Nothing was imported: the organisation changed since the preview (%(problems)s).")
            % {"problems": shown}
        )

    now = timezone.now()
    to_create: list[Employee] = []
    to_update: list[tuple[Employee, dict[str, tuple[Any, Any]]]] = []
    changed: dict[int, dict[str, list[str]]] = {}
    unchanged = 0
    for row in rows:
        employee = existing.get(row["personnel_number"])
        if employee is None:
            fields = employee_field_values(row)
            fields.setdefault("email", "")
            fields.setdefault("is_active", True)
            to_create.append(Employee(personnel_number=row["personnel_number"], **fields))
            continue
        changes = employee_changes(employee, row)
        if not changes:
            unchanged += 1
            continue
        changed[employee.pk] = _import_change_record(employee, row, changes)
        for name, (_old, new) in changes.items():
            setattr(employee, name, new)
        employee.updated_at = now
        to_update.append((employee, changes))

    Employee.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        changed_fields = sorted(
            {name for _employee, changes in to_update for name in changes} | {"updated_at"}
        )
        Employee.objects.bulk_update(
            [employee for employee, _c in to_update], changed_fields, batch_size=500
        )

    source = {"import_id": employee_import.pk, "file": employee_import.file_name}
    activities = [
        activity_build(
            actor=actor,
            action="employee.create",
            target=employee,
            message=gettext_lazy("Employee “%(name)s” added by import"),
            params={"name": employee.full_name},
            data=source,
        )
        for employee in to_create
    ]
    activities += [
        activity_build(
            actor=actor,
            action="employee.update",
            target=employee,
            message=gettext_lazy("Employee “%(name)s” changed by import"),
            params={"name": employee.full_name},
            data={**source, "changes": changed[employee.pk]},
        )
        for employee, _changes in to_update
    ]
    Activity.objects.bulk_create(activities, batch_size=500)
    counts = {"created": len(to_create), "updated": len(to_update), "unchanged": unchanged}
    activity_record(
        actor=actor,
        action="employee_import.apply",
        target=employee_import,
        message=gettext_lazy(
            "Import of “%(file)s”: %(created)s added, %(updated)s changed, %(unchanged)s unchanged"
        ),
        params={"file": employee_import.file_name, **counts},
        data=counts,
    )
    return counts


def _import_change_record(
    employee: Employee, row: EmployeeRowValues, changes: dict[str, tuple[Any, Any]]
) -> dict[str, list[str]]:
    """The changes as the activity history shows them: by field, with names, not ids."""
    record: dict[str, list[str]] = {}
    for name, (old, new) in changes.items():
        if name == "department_id":
            record["department"] = [employee.department.name, row["department"]]
        elif name == "position_id":
            record["position"] = [employee.position.name, row["position"]]
        else:
            record[name] = [str(old), str(new)]
    return record


def employee_import_sweep(*, now: datetime.datetime | None = None) -> int:
    """Send again the jobs whose message was lost; fail the ones a dead worker left running.

    Returns how many queued jobs were sent again. Sending one twice is harmless: the
    apply service claims a job once.
    """
    now = now or timezone.now()
    stalled = list(
        EmployeeImport.objects.filter(
            status=EmployeeImport.Status.QUEUED,
            queued_at__lt=now - EMPLOYEE_IMPORT_REQUEUE_AFTER,
        ).values_list("pk", flat=True)
    )
    for import_id in stalled:
        _employee_import_enqueue(import_id)
    EmployeeImport.objects.filter(
        status=EmployeeImport.Status.RUNNING,
        started_at__lt=now - EMPLOYEE_IMPORT_INTERRUPTED_AFTER,
    ).update(
        status=EmployeeImport.Status.FAILED,
        finished_at=now,
        error=_(
            "The import was interrupted before it finished. Nothing was written: "
            "upload the file again."
        ),
    )
    return len(stalled)

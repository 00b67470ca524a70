"""Reading an employee CSV file: decoding, columns, row-level validation and the preview.

Nothing here writes. The upload view reads a file into `ImportRow`s; rows without
errors are stored on an `EmployeeImport` exactly as `EmployeeRowValues`, and the
apply service writes those values, comparing them with the database the same way
the preview did (`employee_changes`).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.csv import CsvColumns, ImportFileError, header_key, read_csv_rows, repeated_lines

from .models import Department, Employee, Gender, Position
from .selectors import departments_visible_to

MAX_FILE_BYTES = 2 * 1024 * 1024

REQUIRED_COLUMNS = (
    "personnel_number",
    "full_name",
    "department",
    "position",
    "gender",
    "hire_date",
)
OPTIONAL_COLUMNS = ("email", "active")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS


# Header names people actually type, Russian Excel included.
_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "personnel_number": ("personnel_number", "personnel number", "табельный номер", "таб номер"),
    "full_name": ("full_name", "full name", "name", "фио", "ф.и.о.", "сотрудник"),
    "department": ("department", "подразделение", "отдел"),
    "position": ("position", "должность"),
    "gender": ("gender", "sex", "пол"),
    "hire_date": ("hire_date", "hire date", "дата приема", "дата приёма", "дата приема на работу"),
    "email": ("email", "e-mail", "e_mail", "почта", "электронная почта"),
    "active": ("active", "is_active", "активен", "работает"),
}
EMPLOYEE_COLUMNS = CsvColumns(
    aliases=_COLUMN_ALIASES, required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS
)

_GENDER_WORDS = {
    Gender.FEMALE: ("female", "f", "woman", "ж", "жен", "женский", "женщина"),
    Gender.MALE: ("male", "m", "man", "м", "муж", "мужской", "мужчина"),
}
_GENDER_BY_WORD = {word: gender.value for gender, words in _GENDER_WORDS.items() for word in words}

_TRUE_WORDS = {"1", "yes", "y", "true", "active", "да", "д", "активен", "работает"}
_FALSE_WORDS = {
    "0",
    "no",
    "n",
    "false",
    "inactive",
    "нет",
    "н",
    "не активен",
    "неактивен",
    "уволен",
}

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")

# Labels for the fields an import can change, in the order the preview lists them.
FIELD_LABELS = {
    "full_name": gettext_lazy("full name"),
    "department_id": gettext_lazy("department"),
    "position_id": gettext_lazy("position"),
    "gender": gettext_lazy("gender"),
    "hire_date": gettext_lazy("hire date"),
    "email": gettext_lazy("e-mail"),
    "is_active": gettext_lazy("active"),
}


class EmployeeRowValues(TypedDict):
    """One valid row, as stored on the import and written by the apply service.

    `email` and `is_active` are None when the file has no such column (or, for
    `is_active`, an empty cell): the employee's current value is then kept.
    """

    line: int
    personnel_number: str
    full_name: str
    department_id: int
    department: str
    position_id: int
    position: str
    gender: str
    hire_date: str
    email: str | None
    is_active: bool | None


@dataclass
class ImportRow:
    line: int
    cells: dict[str, str]
    errors: list[str] = field(default_factory=list)
    values: EmployeeRowValues | None = None


@dataclass(frozen=True)
class FieldChange:
    label: str
    old: Any
    new: Any


@dataclass
class PreviewRow:
    """What importing one row would do: new, changed (and how), unchanged, or error."""

    line: int
    personnel_number: str
    full_name: str
    department: str
    position: str
    status: str
    changes: list[FieldChange] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


NEW, CHANGED, UNCHANGED, ERROR = "new", "changed", "unchanged", "error"


# Checking the cells -----------------------------------------------------------


def parse_gender(text: str) -> str | None:
    return _GENDER_BY_WORD.get(header_key(text).rstrip("."))


def parse_active(text: str) -> bool | None:
    word = header_key(text)
    if word in _TRUE_WORDS:
        return True
    if word in _FALSE_WORDS:
        return False
    raise ValueError(text)


def parse_hire_date(text: str) -> datetime.date | None:
    """YYYY-MM-DD or DD.MM.YYYY; None when the text is neither or not a real date."""
    text = text.strip()
    iso = _ISO_DATE.fullmatch(text)
    dotted = _DOTTED_DATE.fullmatch(text)
    if iso:
        year, month, day = (int(part) for part in iso.groups())
    elif dotted:
        day, month, year = (int(part) for part in dotted.groups())
    else:
        return None
    try:
        date = datetime.date(year, month, day)
    except ValueError:
        return None
    return date if date.year >= 1900 else None


@dataclass
class _Lookups:
    """Everything a row is checked against, loaded once per file."""

    in_scope: dict[str, list[Department]]
    inactive_in_scope: set[str]
    elsewhere: set[str]
    positions: dict[str, Position]
    visible_ids: set[int]

    @classmethod
    def for_user(cls, user: Any) -> _Lookups:
        visible = {department.pk for department in departments_visible_to(user)}
        in_scope: dict[str, list[Department]] = {}
        inactive_in_scope: set[str] = set()
        elsewhere: set[str] = set()
        for department in Department.objects.only("id", "name", "is_active", "path"):
            key = header_key(department.name)
            if department.pk not in visible:
                elsewhere.add(key)
            elif department.is_active:
                in_scope.setdefault(key, []).append(department)
            else:
                inactive_in_scope.add(key)
        positions = {header_key(position.name): position for position in Position.objects.all()}
        return cls(in_scope, inactive_in_scope, elsewhere, positions, visible)


def _check_department(name: str, lookups: _Lookups, errors: list[str]) -> Department | None:
    key = header_key(name)
    matches = lookups.in_scope.get(key, [])
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        errors.append(
            _("Several departments are called “%(name)s”: rename one of them, then import.")
            % {"name": name}
        )
    elif key in lookups.inactive_in_scope:
        errors.append(_("Department “%(name)s” is deactivated.") % {"name": name})
    elif key in lookups.elsewhere:
        errors.append(
            _("Department “%(name)s” is outside your part of the organisation.") % {"name": name}
        )
    else:
        errors.append(_("Unknown department “%(name)s”.") % {"name": name})
    return None


def _check_position(name: str, lookups: _Lookups, errors: list[str]) -> Position | None:
    position = lookups.positions.get(header_key(name))
    if position is None:
        errors.append(_("Unknown position “%(name)s”.") % {"name": name})
        return None
    if not position.is_active:
        errors.append(_("Position “%(name)s” is deactivated.") % {"name": name})
        return None
    return position


def _check_row(line: int, cells: dict[str, str], lookups: _Lookups) -> ImportRow:
    row = ImportRow(line=line, cells=cells)
    errors = row.errors
    for column in REQUIRED_COLUMNS:
        if not cells.get(column):
            errors.append(_("The cell “%(column)s” is empty.") % {"column": column})

    personnel_number = cells.get("personnel_number", "")
    if len(personnel_number) > 50:
        errors.append(_("The personnel number is longer than 50 characters."))
    full_name = cells.get("full_name", "")
    if len(full_name) > 200:
        errors.append(_("The full name is longer than 200 characters."))

    department = (
        _check_department(cells["department"], lookups, errors) if cells.get("department") else None
    )
    position = (
        _check_position(cells["position"], lookups, errors) if cells.get("position") else None
    )

    gender = None
    if cells.get("gender"):
        gender = parse_gender(cells["gender"])
        if gender is None:
            errors.append(
                _("Gender “%(value)s” is not understood: write female or male (ж or м).")
                % {"value": cells["gender"]}
            )
    hire_date = None
    if cells.get("hire_date"):
        hire_date = parse_hire_date(cells["hire_date"])
        if hire_date is None:
            errors.append(
                _("Hire date “%(value)s” is not a date: write YYYY-MM-DD or DD.MM.YYYY.")
                % {"value": cells["hire_date"]}
            )

    email: str | None = cells.get("email") if "email" in cells else None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors.append(_("“%(value)s” is not an e-mail address.") % {"value": email})
        if len(email) > 254:
            errors.append(_("The e-mail address is longer than 254 characters."))

    is_active: bool | None = None
    if cells.get("active"):
        try:
            is_active = parse_active(cells["active"])
        except ValueError:
            errors.append(
                _("“%(value)s” in the column active is not understood: write yes or no.")
                % {"value": cells["active"]}
            )

    if not errors and department and position and gender and hire_date:
        row.values = EmployeeRowValues(
            line=line,
            personnel_number=personnel_number,
            full_name=full_name,
            department_id=department.pk,
            department=department.name,
            position_id=position.pk,
            position=position.name,
            gender=gender,
            hire_date=hire_date.isoformat(),
            email=email,
            is_active=is_active,
        )
    return row


def existing_employees(personnel_numbers: Iterable[str]) -> dict[str, Employee]:
    """Employees by personnel number, fetched in chunks to stay under parameter limits."""
    numbers = sorted(set(personnel_numbers))
    found: dict[str, Employee] = {}
    for start in range(0, len(numbers), 500):
        chunk = numbers[start : start + 500]
        for employee in Employee.objects.filter(personnel_number__in=chunk).select_related(
            "department", "position"
        ):
            found[employee.personnel_number] = employee
    return found


def read_employee_csv(*, data: bytes, user: Any) -> list[ImportRow]:
    """Decode, check the columns and every row of an employee CSV file.

    Raises ImportFileError when the file as a whole is unusable (encoding, size,
    missing columns, too many rows); otherwise every row comes back, with its errors.
    """
    raw_rows = read_csv_rows(
        data,
        columns=EMPLOYEE_COLUMNS,
        max_bytes=MAX_FILE_BYTES,
        max_rows=settings.EMPLOYEE_IMPORT_MAX_ROWS,
    )
    if not raw_rows:
        raise ImportFileError(_("The file has a header row but no employees."))

    lookups = _Lookups.for_user(user)
    rows = [_check_row(line, cells, lookups) for line, cells in raw_rows]

    first_line, repeats = repeated_lines(
        (row.line, row.cells.get("personnel_number", "")) for row in rows
    )
    for row in rows:
        if row.line in repeats:
            row.errors.append(
                _("Personnel number %(number)s is already on line %(line)s of this file.")
                % {"number": row.cells["personnel_number"], "line": repeats[row.line]}
            )
            row.values = None

    existing = existing_employees(first_line)
    for row in rows:
        employee = existing.get(row.cells.get("personnel_number", ""))
        if employee is not None and employee.department_id not in lookups.visible_ids:
            row.errors.append(
                _(
                    "Personnel number %(number)s belongs to an employee outside your part "
                    "of the organisation."
                )
                % {"number": employee.personnel_number}
            )
            row.values = None
    return rows


# Comparing with the database ------------------------------------------------------


def employee_field_values(values: EmployeeRowValues) -> dict[str, Any]:
    """The model fields a row sets; a column the file does not have is left alone."""
    fields: dict[str, Any] = {
        "full_name": values["full_name"],
        "department_id": values["department_id"],
        "position_id": values["position_id"],
        "gender": values["gender"],
        "hire_date": datetime.date.fromisoformat(values["hire_date"]),
    }
    if values["email"] is not None:
        fields["email"] = values["email"]
    if values["is_active"] is not None:
        fields["is_active"] = values["is_active"]
    return fields


def employee_changes(employee: Employee, values: EmployeeRowValues) -> dict[str, tuple[Any, Any]]:
    """Field name -> (current value, value from the file), for the fields that differ."""
    return {
        name: (getattr(employee, name), new)
        for name, new in employee_field_values(values).items()
        if getattr(employee, name) != new
    }


def _display(
    name: str, value: Any, employee: Employee | None, values: EmployeeRowValues, new: bool
) -> Any:
    if name == "department_id":
        return values["department"] if new else (employee.department.name if employee else "")
    if name == "position_id":
        return values["position"] if new else (employee.position.name if employee else "")
    if name == "gender":
        return Gender(value).label if value in Gender.values else value
    if name == "is_active":
        return _("yes") if value else _("no")
    if value in ("", None):
        return "—"
    return value


def preview(rows: list[ImportRow]) -> list[PreviewRow]:
    """What importing these rows would do to the employees as they are now."""
    existing = existing_employees(row.values["personnel_number"] for row in rows if row.values)
    result = []
    for row in rows:
        item = PreviewRow(
            line=row.line,
            personnel_number=row.cells.get("personnel_number", ""),
            full_name=row.cells.get("full_name", ""),
            department=row.cells.get("department", ""),
            position=row.cells.get("position", ""),
            status=ERROR,
            errors=list(row.errors),
        )
        values = row.values
        if values is not None and not row.errors:
            employee = existing.get(values["personnel_number"])
            if employee is None:
                item.status = NEW
            else:
                changes = employee_changes(employee, values)
                item.status = CHANGED if changes else UNCHANGED
                item.changes = [
                    FieldChange(
                        label=str(FIELD_LABELS[name]),
                        old=_display(name, old, employee, values, new=False),
                        new=_display(name, new, employee, values, new=True),
                    )
                    for name, (old, new) in changes.items()
                ]
        result.append(item)
    return result


def rows_from_stored(stored: list[EmployeeRowValues]) -> list[ImportRow]:
    """Stored rows of a previewed import, ready for `preview` again."""
    return [
        ImportRow(
            line=values["line"],
            cells={
                "personnel_number": values["personnel_number"],
                "full_name": values["full_name"],
                "department": values["department"],
                "position": values["position"],
            },
            values=values,
        )
        for values in stored
    ]


def preview_counts(rows: list[PreviewRow]) -> dict[str, int]:
    counts = {NEW: 0, CHANGED: 0, UNCHANGED: 0, ERROR: 0}
    for row in rows:
        counts[row.status] += 1
    return counts

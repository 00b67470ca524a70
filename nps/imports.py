"""Reading a CSV file of historical responses from another survey tool.

Nothing here writes. Every row is checked and compared with what is stored: a row
whose external id is already stored with the same values is "unchanged" (importing
the same file twice changes nothing); with different values it is an error, since
history is not rewritten by an import. Any error means nothing is imported.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any, TypedDict

from django.utils import timezone
from django.utils.translation import gettext as _

from core.csv import CsvColumns, ImportFileError, read_csv_rows, repeated_lines
from roles.models import Employee

from .models import Response, Survey
from .selectors import employees_for_filter, surveys_visible_to

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20000
REQUIRED_COLUMNS = ("external_id", "submitted_at", "score", "survey")
OPTIONAL_COLUMNS = ("comment", "employee")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

_ALIASES = {
    "external_id": ("external_id", "external id", "id", "response id", "номер", "id ответа"),
    "submitted_at": ("submitted_at", "submitted at", "date", "дата", "дата ответа"),
    "score": ("score", "оценка", "nps"),
    "survey": ("survey", "опрос"),
    "comment": ("comment", "комментарий", "отзыв"),
    "employee": ("employee", "personnel_number", "табельный номер", "сотрудник"),
}


def _normalize(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.replace("\ufeff", "").strip().casefold())


RESPONSE_COLUMNS = CsvColumns(aliases=_ALIASES, required=REQUIRED_COLUMNS)

ImportRejected = ImportFileError


class ResponseRowValues(TypedDict):
    line: int
    external_id: str
    submitted_at: str
    score: int
    comment: str
    survey_id: int
    survey: str
    employee_id: int | None
    employee: str
    department_id: int
    step_id: int | None


NEW, UNCHANGED, ERROR = "new", "unchanged", "error"


@dataclass
class PreviewRow:
    line: int
    cells: dict[str, str]
    status: str = NEW
    errors: list[str] = field(default_factory=list)
    values: ResponseRowValues | None = None


_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y")


def parse_moment(text: str) -> datetime.datetime | None:
    """A date or date and time; local time unless the text names its offset."""
    text = text.strip()
    try:
        moment = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        moment = None
        for pattern in _FORMATS:
            try:
                moment = datetime.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if moment is None or moment.year < 2000:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass
class _Lookups:
    surveys_by_id: dict[str, Survey]
    surveys_by_name: dict[str, list[Survey]]
    employees: dict[str, Employee]

    @classmethod
    def for_user(cls, user: Any) -> _Lookups:
        surveys = list(surveys_visible_to(user))
        by_name: dict[str, list[Survey]] = {}
        for survey in surveys:
            by_name.setdefault(_normalize(survey.name), []).append(survey)
        employees = {employee.personnel_number: employee for employee in employees_for_filter(user)}
        return cls({str(survey.pk): survey for survey in surveys}, by_name, employees)


def _check(
    line: int, cells: dict[str, str], lookups: _Lookups, now: datetime.datetime
) -> PreviewRow:
    row = PreviewRow(line=line, cells=cells)
    errors = row.errors
    for column in REQUIRED_COLUMNS:
        if not cells.get(column):
            errors.append(_("The cell “%(column)s” is empty.") % {"column": column})
    external_id = cells.get("external_id", "")
    if len(external_id) > 100:
        errors.append(_("The external id is longer than 100 characters."))
    score: int | None = None
    if cells.get("score"):
        try:
            score = int(cells["score"])
        except ValueError:
            score = None
        if score is None or not 0 <= score <= 10:
            errors.append(
                _("Score “%(value)s” is not a whole number from 0 to 10.")
                % {"value": cells["score"]}
            )
            score = None
    moment = None
    if cells.get("submitted_at"):
        moment = parse_moment(cells["submitted_at"])
        if moment is None:
            errors.append(
                _("“%(value)s” is not a date: write YYYY-MM-DD, YYYY-MM-DD HH:MM or DD.MM.YYYY.")
                % {"value": cells["submitted_at"]}
            )
        elif moment > now:
            errors.append(
                _("The date %(value)s is in the future.") % {"value": cells["submitted_at"]}
            )
            moment = None
    survey = None
    if cells.get("survey"):
        survey = lookups.surveys_by_id.get(cells["survey"])
        matches = lookups.surveys_by_name.get(_normalize(cells["survey"]), [])
        if survey is None and len(matches) == 1:
            survey = matches[0]
        elif survey is None and len(matches) > 1:
            errors.append(
                _("Several surveys are called “%(name)s”: use the survey's number instead.")
                % {"name": cells["survey"]}
            )
        elif survey is None:
            errors.append(
                _("Unknown survey “%(name)s” (or outside your part of the organisation).")
                % {"name": cells["survey"]}
            )
    employee = None
    if cells.get("employee"):
        employee = lookups.employees.get(cells["employee"])
        if employee is None:
            errors.append(
                _(
                    "No employee with personnel number “%(number)s” in your part of the organisation."
                )
                % {"number": cells["employee"]}
            )
    comment = cells.get("comment", "")
    if len(comment) > 2000:
        errors.append(_("The comment is longer than 2000 characters."))
    if not errors and survey is not None and moment is not None and score is not None:
        row.values = ResponseRowValues(
            line=line,
            external_id=external_id,
            submitted_at=moment.isoformat(),
            score=score,
            comment=comment,
            survey_id=survey.pk,
            survey=survey.name,
            employee_id=employee.pk if employee else None,
            employee=employee.full_name if employee else "",
            department_id=employee.department_id if employee else survey.department_id,
            step_id=survey.step_id,
        )
    return row


def _same(response: Response, values: ResponseRowValues) -> bool:
    return (
        response.score == values["score"]
        and response.comment == values["comment"]
        and response.survey_id == values["survey_id"]
        and response.employee_id == values["employee_id"]
        and response.submitted_at == datetime.datetime.fromisoformat(values["submitted_at"])
    )


def _stored(external_ids: list[str]) -> dict[str, Response]:
    found: dict[str, Response] = {}
    for start in range(0, len(external_ids), 500):
        for response in Response.objects.filter(external_id__in=external_ids[start : start + 500]):
            assert response.external_id is not None
            found[response.external_id] = response
    return found


def read_responses_csv(*, data: bytes, user: Any) -> list[PreviewRow]:
    """Every row of the file with its status: new, unchanged or error (with reasons)."""
    records = read_csv_rows(
        data, columns=RESPONSE_COLUMNS, max_bytes=MAX_FILE_BYTES, max_rows=MAX_ROWS
    )
    if not records:
        raise ImportFileError(_("The file has a header row but no responses."))
    lookups = _Lookups.for_user(user)
    now = timezone.now()
    rows = [_check(line, cells, lookups, now) for line, cells in records]
    first_line, repeats = repeated_lines(
        (row.line, row.cells.get("external_id", "")) for row in rows
    )
    for row in rows:
        if row.line in repeats:
            row.errors.append(
                _("External id %(id)s is already on line %(line)s of this file.")
                % {"id": row.cells["external_id"], "line": repeats[row.line]}
            )
            row.values = None
    stored = _stored(list(first_line))
    for row in rows:
        if row.values is not None:
            response = stored.get(row.values["external_id"])
            if response is not None:
                if _same(response, row.values):
                    row.status = UNCHANGED
                else:
                    row.errors.append(
                        _("External id %(id)s was imported before with other values.")
                        % {"id": row.values["external_id"]}
                    )
                    row.values = None
        if row.errors:
            row.status = ERROR
    return rows


def counts(rows: list[PreviewRow]) -> dict[str, int]:
    result = {NEW: 0, UNCHANGED: 0, ERROR: 0}
    for row in rows:
        result[row.status] += 1
    return result


def recheck_rows(
    *, user: Any, rows: list[ResponseRowValues]
) -> tuple[list[ResponseRowValues], int, str]:
    """At confirmation: (rows to create, rows already there, problems or "")."""
    visible_surveys = set(surveys_visible_to(user).values_list("pk", flat=True))
    visible_employees = set(employees_for_filter(user).values_list("pk", flat=True))
    stored = _stored([row["external_id"] for row in rows])
    problems = []
    new_rows = []
    unchanged = 0
    for row in rows:
        if row["survey_id"] not in visible_surveys:
            problems.append(_("line %(line)s: the survey is gone or out of reach") % row)
        if row["employee_id"] is not None and row["employee_id"] not in visible_employees:
            problems.append(_("line %(line)s: the employee is gone or out of reach") % row)
        response = stored.get(row["external_id"])
        if response is None:
            new_rows.append(row)
        elif _same(response, row):
            unchanged += 1
        else:
            problems.append(
                _(
                    "line %(line)s: external id %(external_id)s was imported meanwhile with other values"
                )
                % row
            )
    message = ""
    if problems:
        message = _("Nothing was imported: %(problems)s.") % {"problems": "; ".join(problems[:10])}
    return new_rows, unchanged, message

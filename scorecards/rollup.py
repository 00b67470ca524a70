"""The rollup queries: every figure, computed by the database, in two levels.

Each function below is one aggregate query (GROUP BY subject and month); nothing
loops over answers or responses in Python. `ids=None` means every subject (the full
recompute, over any number of months at once); a list restricts the query to those
buckets. The incremental recompute (lists of employees and departments, one month)
goes through _some_level_one instead: the same figures from the rows of those
subjects only, found by index (a few hundred steps, summed as they are read, and
their answers counted per step and requirement), rather than one pass over the
month's audits per family.

Level one, from the source rows (final audits visited in the period, responses
submitted in it; months in the company's time zone):
- an employee: the steps where they were observed, the answers in those steps, the
  responses that name them;
- a department itself ("own"): the steps attributed to it, that is the steps observed
  with one of its employees plus the steps without an identified employee in its own
  audits, the answers in those steps, and the responses recorded on it. Each family
  is two queries, one per kind of step, whose sums are added; the audits behind it
  are the distinct (department, month, audit) triples, stored as DepartmentAudit.
Level two, from the stored own rows: a department with every department below it,
through DepartmentLineage (one row per department and each of its ancestors, derived
from Department.path), grouped by ancestor. Sums of whole numbers, and a distinct
count of audits over DepartmentAudit.

NPS: promoters, passives and detractors are counted with the score ranges of
nps.scoring; the NPS itself is derived from the counts when shown.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, DateField, F, Max, Min, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from audits.models import Answer, Audit, AuditItem, AuditStatus, AuditStep
from nps import scoring as nps_scoring
from nps.models import Response, ResponseTag
from roles.models import Employee

from .models import (
    DepartmentAudit,
    DepartmentMonth,
    DepartmentRequirementMonth,
    DepartmentStepMonth,
    DepartmentTagMonth,
)
from .months import add_months, company_timezone, month_bounds

Ids = Sequence[int] | None
# (subject id, month)
Key = tuple[int, datetime.date]

COMPLIANCE_FIELDS = ("earned", "applicable", "steps", "critical_failures")
ANSWER_FIELDS = ("answers", "failed_answers")
NPS_FIELDS = ("promoters", "passives", "detractors")
FIGURE_FIELDS = (*COMPLIANCE_FIELDS, "audits", *ANSWER_FIELDS, *NPS_FIELDS)


@dataclass(frozen=True)
class Period:
    """Whole months, from `first` to `last` included."""

    first: datetime.date
    last: datetime.date

    @classmethod
    def of(cls, month: datetime.date) -> Period:
        return cls(month, month)

    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        return month_bounds(self.first)[0], month_bounds(self.last)[1]

    def months(self) -> list[datetime.date]:
        months = [self.first]
        while months[-1] < self.last:
            months.append(add_months(months[-1], 1))
        return months


def _month(field_name: str) -> TruncMonth:
    return TruncMonth(field_name, output_field=DateField(), tzinfo=company_timezone())


def _sum(name: str) -> Coalesce:
    return Coalesce(Sum(name), Value(0))


def _nps_counts(prefix: str = "") -> dict[str, Any]:
    def in_range(name: str) -> Q:
        low, high = nps_scoring.score_range(name)
        return Q(**{f"{prefix}score__gte": low, f"{prefix}score__lte": high})

    return {
        "promoters": Count("pk", filter=in_range(nps_scoring.PROMOTER)),
        "passives": Count("pk", filter=in_range(nps_scoring.PASSIVE)),
        "detractors": Count("pk", filter=in_range(nps_scoring.DETRACTOR)),
    }


_STEP_SUMS = {
    "earned": _sum("earned"),
    "applicable": _sum("applicable"),
    "steps": Count("pk"),
    "critical_failures": Count("pk", filter=Q(critical_failed=True)),
}
_ANSWER_COUNTS = {
    "answers": Count("pk"),
    "failed_answers": Count("pk", filter=Q(answer=Answer.NO)),
}


def audit_id_range(period: Period, *, by_visit: bool = False) -> tuple[int, int] | None:
    """The lowest and highest id of the final audits visited in the period.

    Every step and answer of those audits lies within it, so the queries below add it as
    a bound: exact whatever the ids, and it lets the (employee, audit) index of audit
    steps return one month of an employee's history instead of all of it (audits are
    created roughly in the order of their visits). None: no final audit at all.
    """
    start, end = period.bounds()
    # `by_visit` (a month or a few of many): found through the (status, visit) index.
    # A bare MIN(id) is planned as a walk of the primary key from the oldest audit,
    # which reads every audit before the period; "+ 0" keeps the planner off it.
    pk = F("pk") + Value(0) if by_visit else F("pk")
    bounds = Audit.objects.filter(
        status=AuditStatus.FINAL, visited_at__gte=start, visited_at__lt=end
    ).aggregate(low=Min(pk), high=Max(pk))
    if bounds["low"] is None:
        return None
    return bounds["low"], bounds["high"]


def _steps(period: Period, audits: tuple[int, int] | None) -> QuerySet[AuditStep]:
    if audits is None:
        return AuditStep.objects.none()
    start, end = period.bounds()
    return AuditStep.objects.filter(
        audit_id__gte=audits[0],
        audit_id__lte=audits[1],
        audit__status=AuditStatus.FINAL,
        audit__visited_at__gte=start,
        audit__visited_at__lt=end,
    )


def _answers(period: Period, audits: tuple[int, int] | None) -> QuerySet[AuditItem]:
    if audits is None:
        return AuditItem.objects.none()
    start, end = period.bounds()
    return AuditItem.objects.filter(
        audit_id__gte=audits[0],
        audit_id__lte=audits[1],
        # The same bound on the step's audit lets an employee's steps be found by index.
        audit_step__audit_id__gte=audits[0],
        audit_step__audit_id__lte=audits[1],
        audit__status=AuditStatus.FINAL,
        audit__visited_at__gte=start,
        audit__visited_at__lt=end,
        answer__in=[Answer.YES, Answer.NO],
    )


def _responses(period: Period) -> QuerySet[Response]:
    start, end = period.bounds()
    return Response.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def _keyed(rows: Iterable[Any], fields: Sequence[str]) -> dict[Key, dict[str, int]]:
    return {(row["subject"], row["month"]): {name: row[name] for name in fields} for row in rows}


def _add(target: dict[Any, dict[str, int]], key: Any, values: dict[str, int]) -> None:
    """Add one aggregated row's sums to another's (the two kinds of attributed steps)."""
    current = target.get(key)
    if current is None:
        target[key] = dict(values)
    else:
        for name, value in values.items():
            current[name] += value


@dataclass
class LevelOne:
    """What the first level found, keyed by (subject, month) (and a third id)."""

    employee_compliance: dict[Key, dict[str, int]] = field(default_factory=dict)
    employee_answers: dict[Key, dict[str, int]] = field(default_factory=dict)
    employee_nps: dict[Key, dict[str, int]] = field(default_factory=dict)
    # (employee, month, requirement) -> answers "no"
    employee_failures: dict[tuple[int, datetime.date, int], int] = field(default_factory=dict)
    own_compliance: dict[Key, dict[str, int]] = field(default_factory=dict)
    own_answers: dict[Key, dict[str, int]] = field(default_factory=dict)
    own_nps: dict[Key, dict[str, int]] = field(default_factory=dict)
    own_failures: dict[tuple[int, datetime.date, int], int] = field(default_factory=dict)
    # (department, month, audit)
    own_audits: set[tuple[int, datetime.date, int]] = field(default_factory=set)
    # (department, month, step) -> NPS counts
    own_steps: dict[tuple[int, datetime.date, int], dict[str, int]] = field(default_factory=dict)
    # (department, month, tag) -> detractors who named it
    own_tags: dict[tuple[int, datetime.date, int], int] = field(default_factory=dict)

    def employee_keys(self) -> set[Key]:
        return (
            set(self.employee_compliance)
            | set(self.employee_nps)
            | {(subject, month) for subject, month, _ in self.employee_failures}
        )

    def own_keys(self) -> set[Key]:
        return (
            set(self.own_compliance)
            | set(self.own_nps)
            | {(subject, month) for subject, month, _ in self.own_audits}
            | {(subject, month) for subject, month, _ in self.own_steps}
            | {(subject, month) for subject, month, _ in self.own_tags}
        )

    def by_month(self) -> dict[datetime.date, LevelOne]:
        """The same figures split by month (one pass over each family)."""
        months: dict[datetime.date, LevelOne] = defaultdict(LevelOne)
        for name in (
            "employee_compliance",
            "employee_answers",
            "employee_nps",
            "employee_failures",
            "own_compliance",
            "own_answers",
            "own_nps",
            "own_failures",
            "own_steps",
            "own_tags",
        ):
            for key, value in getattr(self, name).items():
                getattr(months[key[1]], name)[key] = value
        for key3 in self.own_audits:
            months[key3[1]].own_audits.add(key3)
        return months

    def employee_row(self, key: Key) -> dict[str, int] | None:
        if key not in self.employee_compliance and key not in self.employee_nps:
            return None
        compliance = self.employee_compliance.get(
            key, dict.fromkeys((*COMPLIANCE_FIELDS, "audits"), 0)
        )
        return {
            **compliance,
            **self.employee_answers.get(key, dict.fromkeys(ANSWER_FIELDS, 0)),
            **self.employee_nps.get(key, dict.fromkeys(NPS_FIELDS, 0)),
        }

    def own_row(self, key: Key, audits: int) -> dict[str, int] | None:
        if key not in self.own_compliance and key not in self.own_nps:
            return None
        return {
            **self.own_compliance.get(key, dict.fromkeys(COMPLIANCE_FIELDS, 0)),
            "audits": audits,
            **self.own_answers.get(key, dict.fromkeys(ANSWER_FIELDS, 0)),
            **self.own_nps.get(key, dict.fromkeys(NPS_FIELDS, 0)),
        }


# Level one: employees -------------------------------------------------------------------------


def _employee_level(
    period: Period, audits: tuple[int, int] | None, ids: Ids, found: LevelOne
) -> None:
    steps = _steps(period, audits).filter(employee__isnull=False)
    answers = _answers(period, audits).filter(audit_step__employee__isnull=False)
    if ids is not None:
        steps = steps.filter(employee_id__in=ids)
        answers = answers.filter(audit_step__employee_id__in=ids)
    found.employee_compliance = _keyed(
        steps.values(subject=F("employee_id"), month=_month("audit__visited_at"))
        .annotate(**_STEP_SUMS, audits=Count("audit_id", distinct=True))
        .order_by(),
        (*COMPLIANCE_FIELDS, "audits"),
    )
    by_employee: QuerySet[Any] = answers.values(
        subject=F("audit_step__employee_id"), month=_month("audit__visited_at")
    )
    if ids is None:
        # Everybody: per requirement would be a row per employee and requirement
        # checked; two passes return far fewer rows.
        found.employee_answers = _keyed(
            by_employee.annotate(**_ANSWER_COUNTS).order_by(), ANSWER_FIELDS
        )
        found.employee_failures = {
            (row["subject"], row["month"], row["requirement_id"]): row["failed"]
            for row in answers.filter(answer=Answer.NO)
            .values(
                "requirement_id",
                subject=F("audit_step__employee_id"),
                month=_month("audit__visited_at"),
            )
            .annotate(failed=Count("pk"))
            .order_by()
        }
    else:
        _answers_by_requirement(
            by_employee.values("subject", "month", "requirement_id"),
            found.employee_answers,
            found.employee_failures,
        )
    _employee_responses(period, ids, found)


def _employee_responses(period: Period, ids: Ids, found: LevelOne) -> None:
    responses = _responses(period).filter(employee__isnull=False)
    if ids is not None:
        responses = responses.filter(employee_id__in=ids)
    found.employee_nps = _keyed(
        responses.values(subject=F("employee_id"), month=_month("submitted_at"))
        .annotate(**_nps_counts())
        .order_by(),
        NPS_FIELDS,
    )


def _answers_by_requirement(
    rows: QuerySet[Any],
    answers: dict[Key, dict[str, int]],
    failures: dict[tuple[int, datetime.date, int], int],
) -> None:
    """One pass per subject, month and requirement: the answer counts and the failures."""
    for row in rows.annotate(**_ANSWER_COUNTS).order_by():
        _add(
            answers,
            (row["subject"], row["month"]),
            {name: row[name] for name in ANSWER_FIELDS},
        )
        if row["failed_answers"]:
            key = (row["subject"], row["month"], row["requirement_id"])
            failures[key] = failures.get(key, 0) + row["failed_answers"]


# Level one: departments themselves ------------------------------------------------------------


def _attributed(
    queryset: QuerySet[Any], ids: Ids, *, step: str = ""
) -> list[tuple[QuerySet[Any], str]]:
    """The rows of a queryset over steps (or answers, `step="audit_step__"`) split by how
    they are attributed: (rows, the path of the department they count for)."""
    identified = queryset.filter(**{f"{step}employee__isnull": False})
    unidentified = queryset.filter(**{f"{step}employee__isnull": True})
    if ids is not None:
        # Through the employees' ids, so that the (employee, audit) index is used.
        staff = Employee.objects.filter(department_id__in=ids).values("pk")
        identified = identified.filter(**{f"{step}employee_id__in": staff})
        unidentified = unidentified.filter(audit__department_id__in=ids)
    return [
        (identified, f"{step}employee__department_id"),
        (unidentified, "audit__department_id"),
    ]


def _own_level(
    period: Period,
    audits: tuple[int, int] | None,
    ids: Ids,
    found: LevelOne,
    *,
    employees_done: bool,
) -> None:
    for steps, department in _attributed(_steps(period, audits), ids):
        # Per audit: the sums add up per department, the audits are counted distinct.
        for row in (
            steps.values("audit_id", subject=F(department), month=_month("audit__visited_at"))
            .annotate(**_STEP_SUMS)
            .order_by()
        ):
            key = (row["subject"], row["month"])
            _add(found.own_compliance, key, {name: row[name] for name in COMPLIANCE_FIELDS})
            found.own_audits.add((*key, row["audit_id"]))
    identified, unidentified = _attributed(_answers(period, audits), ids, step="audit_step__")
    if ids is None and employees_done:
        # Every employee's answers are already counted: a department's identified
        # answers are their sums over its employees (one pass less over all answers).
        department_of = dict(Employee.objects.values_list("pk", "department_id"))
        for (employee, month), values in found.employee_answers.items():
            _add(found.own_answers, (department_of[employee], month), values)
        for (employee, month, requirement), failed in found.employee_failures.items():
            key3 = (department_of[employee], month, requirement)
            found.own_failures[key3] = found.own_failures.get(key3, 0) + failed
        passes = [unidentified]
    else:
        passes = [identified, unidentified]
    for answers, department in passes:
        _answers_by_requirement(
            answers.values(
                "requirement_id", subject=F(department), month=_month("audit__visited_at")
            ),
            found.own_answers,
            found.own_failures,
        )
    _own_responses(period, ids, found)


def _own_responses(period: Period, ids: Ids, found: LevelOne) -> None:
    responses = _responses(period)
    start, end = period.bounds()
    low, high = nps_scoring.score_range(nps_scoring.DETRACTOR)
    tags = ResponseTag.objects.filter(
        response__submitted_at__gte=start,
        response__submitted_at__lt=end,
        response__score__gte=low,
        response__score__lte=high,
    )
    if ids is not None:
        responses = responses.filter(department_id__in=ids)
        tags = tags.filter(response__department_id__in=ids)
    # One pass per department, month and step (none included): the steps' figures, and
    # their sums for the department.
    per_step: QuerySet[Any] = (
        responses.values("step_id", subject=F("department_id"), month=_month("submitted_at"))
        .annotate(**_nps_counts())
        .order_by()
    )
    for row in per_step:
        counts = {name: row[name] for name in NPS_FIELDS}
        _add(found.own_nps, (row["subject"], row["month"]), counts)
        if row["step_id"] is not None:
            found.own_steps[(row["subject"], row["month"], row["step_id"])] = counts
    found.own_tags = {
        (row["subject"], row["month"], row["tag_id"]): row["detractors"]
        for row in tags.values(
            "tag_id",
            subject=F("response__department_id"),
            month=_month("response__submitted_at"),
        )
        .annotate(detractors=Count("pk"))
        .order_by()
    }


# Level one for some buckets ------------------------------------------------------------------

# Most ids one query names (SQLite limits the parameters of a statement).
CHUNK = 5000


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _answer_counts(group: str, step_ids: list[int], audits: tuple[int, int]) -> QuerySet[Any]:
    """The answer counts of these steps, per `group` and requirement."""
    rows: QuerySet[Any] = (
        AuditItem.objects.filter(
            audit_step_id__in=step_ids,
            audit_id__gte=audits[0],
            audit_id__lte=audits[1],
            answer__in=[Answer.YES, Answer.NO],
        )
        .values(group, "requirement_id")
        .annotate(**_ANSWER_COUNTS)
        .order_by()
    )
    return rows


def _some_level_one(
    period: Period,
    audits: tuple[int, int],
    employee_ids: Sequence[int],
    own_ids: Sequence[int],
    found: LevelOne,
) -> None:
    """The same figures as _employee_level and _own_level for some employees and
    departments (the incremental recompute), from their rows only, found by index: the
    steps of the employees asked for and of the departments' staff in one pass (their
    sums count for both), the answers by those steps, the unidentified steps and their
    answers by the departments' audits. Each step and answer is read once and summed
    here, instead of one grouped pass over the period's audits per family."""
    start, end = period.bounds()
    final = {
        "audit__status": AuditStatus.FINAL,
        "audit__visited_at__gte": start,
        "audit__visited_at__lt": end,
    }
    department_of = dict(
        Employee.objects.filter(department_id__in=list(own_ids))
        .values_list("pk", "department_id")
        .order_by()
    )
    staff = sorted(set(employee_ids) | set(department_of))
    # Steps with an identified employee: {step: (employee, month)}.
    step_of: dict[int, Key] = {}
    employee_audits: dict[Key, set[int]] = defaultdict(set)
    for chunk in _chunks(staff):
        for pk, employee, audit, month, earned, applicable, critical in (
            AuditStep.objects.filter(
                employee_id__in=chunk, audit_id__gte=audits[0], audit_id__lte=audits[1], **final
            )
            .values_list(
                "pk",
                "employee_id",
                "audit_id",
                _month("audit__visited_at"),
                "earned",
                "applicable",
                "critical_failed",
            )
            .order_by()
        ):
            key = (employee, month)
            step_of[pk] = key
            sums = {
                "earned": earned or 0,
                "applicable": applicable or 0,
                "steps": 1,
                "critical_failures": 1 if critical else 0,
            }
            _add(found.employee_compliance, key, sums)
            employee_audits[key].add(audit)
            department = department_of.get(employee)
            if department is not None:
                _add(found.own_compliance, (department, month), sums)
                found.own_audits.add((department, month, audit))
    for key, audit_ids in employee_audits.items():
        found.employee_compliance[key]["audits"] = len(audit_ids)
    for chunk in _chunks(sorted(step_of)):
        # Steps of final audits in the period: their answers are found by the index on
        # their step, with no join with the audits.
        for row in _answer_counts("audit_step_id", chunk, audits):
            employee, month = step_of[row["audit_step_id"]]
            counts = {name: row[name] for name in ANSWER_FIELDS}
            keys = [(found.employee_answers, found.employee_failures, employee)]
            department = department_of.get(employee)
            if department is not None:
                keys.append((found.own_answers, found.own_failures, department))
            for answers, failures, subject in keys:
                _add(answers, (subject, month), counts)
                if row["failed_answers"]:
                    key3 = (subject, month, row["requirement_id"])
                    failures[key3] = failures.get(key3, 0) + row["failed_answers"]

    # Steps without an identified employee count for their audit's department.
    audit_of: dict[int, Key] = {}
    for chunk in _chunks(sorted(own_ids)):
        for pk, department, month in (
            Audit.objects.filter(
                department_id__in=chunk,
                status=AuditStatus.FINAL,
                visited_at__gte=start,
                visited_at__lt=end,
                pk__gte=audits[0],
                pk__lte=audits[1],
            )
            .values_list("pk", "department_id", _month("visited_at"))
            .order_by()
        ):
            audit_of[pk] = (department, month)
    unidentified: list[int] = []
    for chunk in _chunks(sorted(audit_of)):
        for pk, audit, earned, applicable, critical in (
            AuditStep.objects.filter(audit_id__in=chunk, employee__isnull=True)
            .values_list("pk", "audit_id", "earned", "applicable", "critical_failed")
            .order_by()
        ):
            unidentified.append(pk)
            department, month = audit_of[audit]
            sums = {
                "earned": earned or 0,
                "applicable": applicable or 0,
                "steps": 1,
                "critical_failures": 1 if critical else 0,
            }
            _add(found.own_compliance, (department, month), sums)
            found.own_audits.add((department, month, audit))
    for chunk in _chunks(unidentified):
        for row in _answer_counts("audit_id", chunk, audits):
            if (where := audit_of.get(row["audit_id"])) is None:
                continue  # an answer filed under another audit than its step's
            department, month = where
            _add(
                found.own_answers,
                (department, month),
                {name: row[name] for name in ANSWER_FIELDS},
            )
            if row["failed_answers"]:
                key3 = (department, month, row["requirement_id"])
                found.own_failures[key3] = found.own_failures.get(key3, 0) + row["failed_answers"]
    if employee_ids:
        _employee_responses(period, employee_ids, found)
    if own_ids:
        _own_responses(period, own_ids, found)


def level_one(period: Period, *, employee_ids: Ids, own_ids: Ids) -> LevelOne:
    """Employees' and departments' own figures for the period (None: all; []: none)."""
    found = LevelOne()
    if employee_ids is not None and own_ids is not None and (employee_ids or own_ids):
        audits = audit_id_range(period, by_visit=True)
        if audits is not None:
            _some_level_one(period, audits, employee_ids, own_ids, found)
        else:
            # No final audit in the period: only responses count.
            if employee_ids:
                _employee_responses(period, employee_ids, found)
            if own_ids:
                _own_responses(period, own_ids, found)
        return found
    audits = audit_id_range(period)
    if employee_ids is None or employee_ids:
        _employee_level(period, audits, employee_ids, found)
    if own_ids is None or own_ids:
        _own_level(period, audits, own_ids, found, employees_done=employee_ids is None)
    return found


# Level two: departments with everything below them ---------------------------------------------


@dataclass
class LevelTwo:
    figures: dict[int, dict[str, int]] = field(default_factory=dict)
    # (department, requirement) -> answers "no"
    failures: dict[tuple[int, int], int] = field(default_factory=dict)
    steps: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    tags: dict[tuple[int, int], int] = field(default_factory=dict)


def _below(queryset: QuerySet[Any], ids: Ids) -> QuerySet[Any]:
    """Own rows of the departments below each of `ids` (themselves included), with the
    ancestor they count for as `ancestor`."""
    if ids is None:
        queryset = queryset.filter(department__lineage__isnull=False)
    else:
        queryset = queryset.filter(department__lineage__ancestor_id__in=ids)
    return queryset


def level_two(month: datetime.date, ids: Ids) -> LevelTwo:
    """Every department's subtree figures of a month, from the stored own rows."""
    found = LevelTwo()
    ancestor = F("department__lineage__ancestor_id")
    own = _below(DepartmentMonth.objects.filter(month=month, subtree=False), ids)
    sums = {name: Sum(name) for name in (*COMPLIANCE_FIELDS, *ANSWER_FIELDS, *NPS_FIELDS)}
    for row in own.values(subject=ancestor).annotate(**sums).order_by():
        found.figures[row["subject"]] = {name: row[name] for name in sums}
    audits = _below(DepartmentAudit.objects.filter(month=month), ids)
    for row in (
        audits.values(subject=ancestor).annotate(audits=Count("audit_id", distinct=True)).order_by()
    ):
        found.figures.setdefault(row["subject"], {name: 0 for name in sums})["audits"] = row[
            "audits"
        ]
    for values in found.figures.values():
        values.setdefault("audits", 0)
    failures = _below(DepartmentRequirementMonth.objects.filter(month=month, subtree=False), ids)
    found.failures = {
        (row["subject"], row["requirement_id"]): row["failed"]
        for row in failures.values("requirement_id", subject=ancestor)
        .annotate(failed=Sum("failed"))
        .order_by()
    }
    steps = _below(DepartmentStepMonth.objects.filter(month=month, subtree=False), ids)
    found.steps = {
        (row["subject"], row["step_id"]): {name: row[name] for name in NPS_FIELDS}
        for row in steps.values("step_id", subject=ancestor)
        .annotate(**{name: Sum(name) for name in NPS_FIELDS})
        .order_by()
    }
    tags = _below(DepartmentTagMonth.objects.filter(month=month, subtree=False), ids)
    found.tags = {
        (row["subject"], row["tag_id"]): row["detractors"]
        for row in tags.values("tag_id", subject=ancestor)
        .annotate(detractors=Sum("detractors"))
        .order_by()
    }
    return found


def group_by_month(keys: Iterable[tuple[Any, ...]]) -> dict[datetime.date, set[int]]:
    """{month: subject ids} of (subject, month, ...) keys."""
    grouped: dict[datetime.date, set[int]] = defaultdict(set)
    for key in keys:
        grouped[key[1]].add(key[0])
    return grouped

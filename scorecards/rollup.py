"""The rollup queries: every figure, computed by the database, in two levels.

Each family is an aggregate query (GROUP BY subject and month); nothing loops over
answers or responses in Python. The full recompute (level_one with no ids) passes
over every source row of any number of months at once. The incremental recompute
(lists of employees and departments, one month: _some_level_one) reads the rows of
those subjects only, found by index: a few hundred steps, summed as they are read,
and the "no" answers of those with a failure counted per requirement.

Level one, from the source rows (final audits visited in the period, responses
submitted in it; months in the company's time zone):
- an employee: the steps where they were observed, the answers in those steps, the
  responses that name them;
- a department itself ("own"): the steps that count for it (AuditStep.department,
  fixed at submission: the observed employee's department then, or the audited
  department when nobody was identified), the answers in those steps, and the
  responses recorded on it. The audits behind it are the distinct (department,
  month, audit) triples, stored as DepartmentAudit.
Level two, from the stored own rows: a department with every department below it.
The full recompute joins DepartmentLineage (one row per department and each of its
ancestors, derived from Department.path) and groups by ancestor; the incremental one
adds a department's own rows to its children's stored subtree rows, up the chain.
Sums of whole numbers, and a distinct count of audits over DepartmentAudit.

NPS: promoters, passives and detractors are counted with the score ranges of
nps.scoring; the NPS itself is derived from the counts when shown.
"""

from __future__ import annotations

import datetime
import operator
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncMonth

from audits.models import Answer, Audit, AuditItem, AuditStatus, AuditStep
from nps import scoring as nps_scoring
from nps.models import Response, ResponseTag

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


# What the steps sum up to (their answer counts are stored on them, see audits).
STEP_FIELDS = (*COMPLIANCE_FIELDS, *ANSWER_FIELDS)
_STEP_SUMS = {
    "earned": _sum("earned"),
    "applicable": _sum("applicable"),
    "steps": Count("pk"),
    "critical_failures": Count("pk", filter=Q(critical_failed=True)),
    "answers": _sum("answers"),
    "failed_answers": _sum("failed_answers"),
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
    # which reads every audit before the period; "+ 0" keeps the planner off it. The
    # bounds are sent as numbers, not as a subquery: the planner picks the index by
    # them.
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
    """Add sums to those already kept under the key (or keep a copy of them)."""
    current = target.get(key)
    if current is None:
        target[key] = dict(values)
    else:
        for name, value in values.items():
            current[name] += value


@dataclass
class LevelOne:
    """What the first level found, keyed by (subject, month) (and a third id)."""

    # The steps' sums (STEP_FIELDS), and for employees the audits behind them.
    employee_compliance: dict[Key, dict[str, int]] = field(default_factory=dict)
    employee_nps: dict[Key, dict[str, int]] = field(default_factory=dict)
    # (employee, month, requirement) -> answers "no"
    employee_failures: dict[tuple[int, datetime.date, int], int] = field(default_factory=dict)
    own_compliance: dict[Key, dict[str, int]] = field(default_factory=dict)
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
            "employee_nps",
            "employee_failures",
            "own_compliance",
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
        compliance = self.employee_compliance.get(key, dict.fromkeys((*STEP_FIELDS, "audits"), 0))
        return {**compliance, **self.employee_nps.get(key, dict.fromkeys(NPS_FIELDS, 0))}

    def own_row(self, key: Key, audits: int) -> dict[str, int] | None:
        if key not in self.own_compliance and key not in self.own_nps:
            return None
        return {
            **self.own_compliance.get(key, dict.fromkeys(STEP_FIELDS, 0)),
            "audits": audits,
            **self.own_nps.get(key, dict.fromkeys(NPS_FIELDS, 0)),
        }


# Level one, every subject (the full recompute) -------------------------------------------------


def _employee_steps(period: Period, audits: tuple[int, int] | None, found: LevelOne) -> None:
    found.employee_compliance = _keyed(
        _steps(period, audits)
        .filter(employee__isnull=False)
        .values(subject=F("employee_id"), month=_month("audit__visited_at"))
        .annotate(**_STEP_SUMS, audits=Count("audit_id", distinct=True))
        .order_by(),
        (*STEP_FIELDS, "audits"),
    )


def _own_steps(period: Period, audits: tuple[int, int] | None, found: LevelOne) -> None:
    # Per audit: the sums add up per department, the audits are counted distinct.
    rows: QuerySet[Any] = (
        _steps(period, audits)
        .values("audit_id", subject=F("department_id"), month=_month("audit__visited_at"))
        .annotate(**_STEP_SUMS)
        .order_by()
    )
    for row in rows:
        key = (row["subject"], row["month"])
        _add(found.own_compliance, key, {name: row[name] for name in STEP_FIELDS})
        found.own_audits.add((*key, row["audit_id"]))


def _failures(period: Period, audits: tuple[int, int] | None, found: LevelOne) -> None:
    """One pass over the period's "no" answers, grouped by employee and department
    together: an employee's failures and a department's are both sums of these rows
    (an employee's steps may count for more than one department over time)."""
    rows: QuerySet[Any] = (
        _answers(period, audits)
        .filter(answer=Answer.NO)
        .values(
            "requirement_id",
            employee=F("audit_step__employee_id"),
            department=F("audit_step__department_id"),
            month=_month("audit__visited_at"),
        )
        .annotate(failed=Count("pk"))
        .order_by()
    )
    for row in rows:
        requirement, month, failed = row["requirement_id"], row["month"], row["failed"]
        if row["employee"] is not None:
            key3 = (row["employee"], month, requirement)
            found.employee_failures[key3] = found.employee_failures.get(key3, 0) + failed
        key3 = (row["department"], month, requirement)
        found.own_failures[key3] = found.own_failures.get(key3, 0) + failed


def _employee_responses(period: Period, found: LevelOne) -> None:
    found.employee_nps = _keyed(
        _responses(period)
        .filter(employee__isnull=False)
        .values(subject=F("employee_id"), month=_month("submitted_at"))
        .annotate(**_nps_counts())
        .order_by(),
        NPS_FIELDS,
    )


def _detractor_tags(period: Period) -> QuerySet[ResponseTag]:
    start, end = period.bounds()
    low, high = nps_scoring.score_range(nps_scoring.DETRACTOR)
    return ResponseTag.objects.filter(
        response__submitted_at__gte=start,
        response__submitted_at__lt=end,
        response__score__gte=low,
        response__score__lte=high,
    )


def _own_responses(period: Period, found: LevelOne) -> None:
    # One pass per department, month and step (none included): the steps' figures, and
    # their sums for the department.
    per_step: QuerySet[Any] = (
        _responses(period)
        .values("step_id", subject=F("department_id"), month=_month("submitted_at"))
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
        for row in _detractor_tags(period)
        .values(
            "tag_id", subject=F("response__department_id"), month=_month("response__submitted_at")
        )
        .annotate(detractors=Count("pk"))
        .order_by()
    }


# Level one for some buckets of one month (the incremental recompute) ---------------------------

# Most ids one query names (SQLite limits the parameters of a statement).
CHUNK = 5000


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield list(ids[start : start + CHUNK])


def _some_level_one(
    month: datetime.date,
    audits: tuple[int, int],
    employee_ids: Sequence[int],
    own_ids: Sequence[int],
    found: LevelOne,
) -> None:
    """The same figures as the full recompute for some employees and departments of one
    month, from their rows only, found by index: the steps observed with the employees
    or counting for the departments (one pass, their sums counting for either or both,
    answer counts included), then the "no" answers of the steps that have any, per
    step and requirement."""
    start, end = month_bounds(month)
    employees, departments = set(employee_ids), set(own_ids)
    # {step: (employee if asked for, department if asked for)}
    subjects_of: dict[int, tuple[int | None, int | None]] = {}
    # {step: its answers "no"}: only steps with a failure have failures to count.
    failed_in: dict[int, int] = {}
    employee_audits: dict[int, set[int]] = defaultdict(set)
    employee_sums: dict[int, list[int]] = {}
    own_sums: dict[int, list[int]] = {}
    # The month's audit ids bound the (employee, audit) and (department, audit) indexes.
    low, high = audits
    for employee_chunk, department_chunk in _paired_chunks(sorted(employees), sorted(departments)):
        rows = (
            AuditStep.objects.filter(
                Q(employee_id__in=employee_chunk) | Q(department_id__in=department_chunk),
                audit_id__gte=low,
                audit_id__lte=high,
                audit__status=AuditStatus.FINAL,
                audit__visited_at__gte=start,
                audit__visited_at__lt=end,
            )
            .values_list(
                "pk", "employee_id", "department_id", "audit_id", "earned", "applicable",
                "critical_failed", "answers", "failed_answers",
            )
            .order_by()
        )  # fmt: skip
        for pk, employee, department, audit, earned, applicable, critical, answers, failed in rows:
            if pk in subjects_of:
                continue  # found through both chunks' conditions
            # In the order of STEP_FIELDS.
            values = (earned or 0, applicable or 0, 1, 1 if critical else 0, answers, failed)
            observed = employee if employee in employees else None
            counted = department if department in departments else None
            subjects_of[pk] = (observed, counted)
            failed_in[pk] = failed
            if observed is not None:
                total = employee_sums.setdefault(observed, [0] * len(STEP_FIELDS))
                total[:] = map(operator.add, total, values)
                employee_audits[observed].add(audit)
            if counted is not None:
                total = own_sums.setdefault(counted, [0] * len(STEP_FIELDS))
                total[:] = map(operator.add, total, values)
                found.own_audits.add((counted, month, audit))
    for employee, sums in employee_sums.items():
        found.employee_compliance[(employee, month)] = {
            **dict(zip(STEP_FIELDS, sums, strict=True)),
            "audits": len(employee_audits[employee]),
        }
    for department, sums in own_sums.items():
        found.own_compliance[(department, month)] = dict(zip(STEP_FIELDS, sums, strict=True))
    steps_with_failures = sorted(pk for pk, failed in failed_in.items() if failed)
    for chunk in _chunks(steps_with_failures):
        # Steps of final audits in the month: their "no" answers are found by the index
        # on their step, with no join with the audits. An audit checks a requirement
        # once, so each row is one failure.
        for step, requirement in (
            AuditItem.objects.filter(audit_step_id__in=chunk, answer=Answer.NO)
            .values_list("audit_step_id", "requirement_id")
            .order_by()
        ):
            observed, counted = subjects_of[step]
            for failures, subject in (
                (found.employee_failures, observed),
                (found.own_failures, counted),
            ):
                if subject is not None:
                    key3 = (subject, month, requirement)
                    failures[key3] = failures.get(key3, 0) + 1


def _some_responses(
    month: datetime.date, employee_ids: Sequence[int], own_ids: Sequence[int], found: LevelOne
) -> None:
    """The NPS of some employees and departments for one month: one pass over the
    responses naming the employees or recorded on the departments (per employee,
    department and step, summed here for each), and one over the detractors' tags."""
    employees, departments = set(employee_ids), set(own_ids)
    period = Period.of(month)
    for employee_list, department_list in _paired_chunks(sorted(employees), sorted(departments)):
        # A response found through both lists counts once for each: the employee in
        # the pass of their chunk, the department in the pass of its own.
        employee_chunk, department_chunk = set(employee_list), set(department_list)
        rows = (
            _responses(period)
            .filter(Q(employee_id__in=employee_list) | Q(department_id__in=department_list))
            .values("employee_id", "department_id", "step_id")
            .annotate(**_nps_counts())
            .values_list("employee_id", "department_id", "step_id", *NPS_FIELDS)
            .order_by()
        )
        for employee, department, step, *numbers in rows:
            counts = dict(zip(NPS_FIELDS, numbers, strict=True))
            if employee in employee_chunk:
                _add(found.employee_nps, (employee, month), counts)
            if department in department_chunk:
                _add(found.own_nps, (department, month), counts)
                if step is not None:
                    _add(found.own_steps, (department, month, step), counts)
    for chunk in _chunks(sorted(departments)):
        for department, tag, detractors in (
            _detractor_tags(period)
            .filter(response__department_id__in=chunk)
            .values("tag_id", department=F("response__department_id"))
            .annotate(detractors=Count("pk"))
            .values_list("department", "tag_id", "detractors")
            .order_by()
        ):
            found.own_tags[(department, month, tag)] = detractors


def _paired_chunks(
    first: Sequence[int], second: Sequence[int]
) -> Iterable[tuple[list[int], list[int]]]:
    """Both lists cut into chunks, side by side (an empty list where one runs out)."""
    for start in range(0, max(len(first), len(second), 1), CHUNK):
        yield list(first[start : start + CHUNK]), list(second[start : start + CHUNK])


def level_one(period: Period, *, employee_ids: Ids, own_ids: Ids) -> LevelOne:
    """Employees' and departments' own figures for the period.

    Both None: every subject, over any number of months (the full recompute). Both
    lists: those buckets of a one-month period (the incremental recompute).
    """
    found = LevelOne()
    if employee_ids is None and own_ids is None:
        audits = audit_id_range(period)
        _employee_steps(period, audits, found)
        _own_steps(period, audits, found)
        _failures(period, audits, found)
        _employee_responses(period, found)
        _own_responses(period, found)
        return found
    if employee_ids is None or own_ids is None or period.first != period.last:
        raise ValueError("Some buckets are recomputed one month at a time, every kind listed.")
    if employee_ids or own_ids:
        audits = audit_id_range(period, by_visit=True)
        if audits is not None:
            _some_level_one(period.first, audits, employee_ids, own_ids, found)
        # Responses count whether or not the month has a final audit.
        _some_responses(period.first, employee_ids, own_ids, found)
    return found


# Level two: departments with everything below them ---------------------------------------------


@dataclass
class LevelTwo:
    figures: dict[int, dict[str, int]] = field(default_factory=dict)
    # (department, requirement) -> answers "no"
    failures: dict[tuple[int, int], int] = field(default_factory=dict)
    steps: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    tags: dict[tuple[int, int], int] = field(default_factory=dict)
    # Rows read on the way that the store compares with, per family ("figures",
    # "steps", "tags"): {(department, subtree[, step or tag]): (pk, values)}.
    stored: dict[str, dict[tuple[Any, ...], tuple[int, dict[str, int]]]] = field(
        default_factory=dict
    )


def _below(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Own rows, once for each department above them (themselves included), with that
    ancestor as `department__lineage__ancestor_id`."""
    return queryset.filter(department__lineage__isnull=False)


def level_two(month: datetime.date) -> LevelTwo:
    """Every department's subtree figures of a month, from the stored own rows."""
    found = LevelTwo()
    ancestor = F("department__lineage__ancestor_id")
    own = _below(DepartmentMonth.objects.filter(month=month, subtree=False))
    sums = {name: Sum(name) for name in (*COMPLIANCE_FIELDS, *ANSWER_FIELDS, *NPS_FIELDS)}
    for row in own.values(subject=ancestor).annotate(**sums).order_by():
        found.figures[row["subject"]] = {name: row[name] for name in sums}
    audits = _below(DepartmentAudit.objects.filter(month=month))
    for row in (
        audits.values(subject=ancestor).annotate(audits=Count("audit_id", distinct=True)).order_by()
    ):
        found.figures.setdefault(row["subject"], {name: 0 for name in sums})["audits"] = row[
            "audits"
        ]
    for values in found.figures.values():
        values.setdefault("audits", 0)
    failures = _below(DepartmentRequirementMonth.objects.filter(month=month, subtree=False))
    found.failures = {
        (row["subject"], row["requirement_id"]): row["failed"]
        for row in failures.values("requirement_id", subject=ancestor)
        .annotate(failed=Sum("failed"))
        .order_by()
    }
    steps = _below(DepartmentStepMonth.objects.filter(month=month, subtree=False))
    found.steps = {
        (row["subject"], row["step_id"]): {name: row[name] for name in NPS_FIELDS}
        for row in steps.values("step_id", subject=ancestor)
        .annotate(**{name: Sum(name) for name in NPS_FIELDS})
        .order_by()
    }
    tags = _below(DepartmentTagMonth.objects.filter(month=month, subtree=False))
    found.tags = {
        (row["subject"], row["tag_id"]): row["detractors"]
        for row in tags.values("tag_id", subject=ancestor)
        .annotate(detractors=Sum("detractors"))
        .order_by()
    }
    return found


# Level two for a few chains: from the children's stored subtree rows -------------------------

_FIGURE_SUMS = (*STEP_FIELDS, *NPS_FIELDS)


@dataclass(frozen=True)
class _Family:
    """A table of department figures as level_two_of_chains reads it."""

    model: Any
    # The key beside the department and month (None: one row per department).
    key: str | None
    # What adds up from the children.
    summed: tuple[str, ...]
    # Every value the store compares (the sums, and what is not summed).
    values: tuple[str, ...]
    # Read whole, to be summed here and compared by the store in one read; otherwise
    # summed by the database, the store reading its own rows (one row per
    # requirement ever failed below would be too many to bring over).
    whole: bool


_FAMILIES = {
    "figures": _Family(DepartmentMonth, None, _FIGURE_SUMS, FIGURE_FIELDS, whole=True),
    "failures": _Family(
        DepartmentRequirementMonth, "requirement_id", ("failed",), ("failed",), whole=False
    ),
    "steps": _Family(DepartmentStepMonth, "step_id", NPS_FIELDS, NPS_FIELDS, whole=True),
    "tags": _Family(DepartmentTagMonth, "tag_id", ("detractors",), ("detractors",), whole=True),
}


def _depth(department: int, parent_of: dict[int, int | None]) -> int:
    depth = 0
    parent = parent_of.get(department)
    while parent is not None:
        depth += 1
        parent = parent_of.get(parent)
    return depth


# {department: {key: sums in the order of the family's `summed`}}
_Sums = dict[int, dict[Any, tuple[int, ...]]]


def _add_sums(target: dict[Any, tuple[int, ...]], key: Any, values: Sequence[int]) -> None:
    current = target.get(key)
    target[key] = tuple(values) if current is None else tuple(map(operator.add, current, values))


def _fresh_own(fresh: LevelOne, fresh_ids: set[int], month: datetime.date) -> dict[str, _Sums]:
    """Fresh first-level figures per family, shaped like the sums read from the tables."""
    found: dict[str, _Sums] = {name: defaultdict(dict) for name in _FAMILIES}
    for department in fresh_ids:
        own_row = fresh.own_row((department, month), 0)
        if own_row is not None:
            found["figures"][department][None] = tuple(own_row[name] for name in _FIGURE_SUMS)
    for (department, at, requirement), failed in fresh.own_failures.items():
        if department in fresh_ids and at == month:
            found["failures"][department][requirement] = (failed,)
    for (department, at, step), counts in fresh.own_steps.items():
        if department in fresh_ids and at == month:
            found["steps"][department][step] = tuple(counts[name] for name in NPS_FIELDS)
    for (department, at, tag), count in fresh.own_tags.items():
        if department in fresh_ids and at == month:
            found["tags"][department][tag] = (count,)
    return found


def level_two_of_chains(
    month: datetime.date,
    ids: set[int],
    parent_of: dict[int, int | None],
    *,
    fresh: LevelOne | None = None,
    fresh_ids: set[int] | None = None,
) -> LevelTwo:
    """Subtree figures of `ids` for a month, `ids` holding every ancestor of each of them.

    subtree(d) = own(d) + the subtrees of d's children, worked out from the deepest
    department up: a child in `ids` is the one just worked out, any other child's
    subtree is its stored row (right, since whoever rewrites a department's subtree
    rewrites every department above it too). A few rows per family instead of every
    own row below the top of the tree. Audits are counted distinct over the
    DepartmentAudit rows of each department's subtree (stored by then, fresh ones
    included).

    `fresh` holds first-level figures just computed for `fresh_ids` and not stored yet:
    they stand in for those departments' stored own rows. The stored rows the caller
    replaces (the own rows of `fresh_ids`, the subtree rows of `ids`) come back in
    `stored` for the families read whole.
    """
    found = LevelTwo()
    if not ids:
        return found
    fresh_ids = (fresh_ids or set()) & ids
    fresh_own = _fresh_own(fresh or LevelOne(), fresh_ids, month)
    children: dict[int, list[int]] = defaultdict(list)
    for department, parent in parent_of.items():
        if parent is not None and parent in ids:
            children[parent].append(department)
    outside = {child for kids in children.values() for child in kids} - ids
    bottom_up = sorted(ids, key=lambda department: _depth(department, parent_of), reverse=True)
    # Own rows count for their department, stored subtree rows of children outside
    # `ids` for the parent.
    summed_by_database = Q(subtree=False, department_id__in=sorted(ids - fresh_ids))
    if outside:
        summed_by_database |= Q(subtree=True, department_id__in=sorted(outside))
    target = Case(When(subtree=True, then=F("department__parent_id")), default=F("department_id"))
    read_whole = Q(subtree=False, department_id__in=sorted(ids)) | Q(
        subtree=True, department_id__in=sorted(outside | ids)
    )

    def totals(name: str) -> _Sums:
        family = _FAMILIES[name]
        partial: _Sums = defaultdict(dict)
        for department, fresh_rows in fresh_own[name].items():
            for key, sums in fresh_rows.items():
                _add_sums(partial[department], key, sums)
        keys = [family.key] if family.key else []
        if family.whole:
            stored = found.stored.setdefault(name, {})
            summed_at = [family.values.index(field) for field in family.summed]
            for pk, department, subtree, *rest in (
                family.model.objects.filter(read_whole, month=month)
                .values_list("pk", "department_id", "subtree", *keys, *family.values)
                .order_by()
            ):
                key = rest[0] if family.key else None
                values = rest[len(keys) :]
                if department in ids and (subtree or department in fresh_ids):
                    # The caller rewrites these rows; compared, not summed.
                    short = (department, subtree, key) if family.key else (department, subtree)
                    stored[short] = (pk, dict(zip(family.values, values, strict=True)))
                else:
                    # A child's subtree counts for its parent, an own row for itself.
                    owner = cast(int, parent_of[department]) if subtree else department
                    _add_sums(partial[owner], key, [values[index] for index in summed_at])
        else:
            for owner, *rest in (
                family.model.objects.filter(summed_by_database, month=month)
                .values(*keys, target=target)
                .annotate(**{field: Sum(field) for field in family.summed})
                .values_list("target", *keys, *family.summed)
                .order_by()
            ):
                key = rest[0] if family.key else None
                _add_sums(partial[owner], key, rest[len(keys) :])
        done: _Sums = {}
        for department in bottom_up:
            total = partial.get(department, {})
            for child in children.get(department, ()):
                for key, sums in done.get(child, {}).items():
                    _add_sums(total, key, sums)
            done[department] = total
        return done

    for department, figures in totals("figures").items():
        if figures:
            found.figures[department] = {
                **dict(zip(_FIGURE_SUMS, figures[None], strict=True)),
                "audits": 0,
            }
    _count_audits(month, ids, parent_of, found)
    for department, by_requirement in totals("failures").items():
        for requirement, (failed,) in by_requirement.items():
            found.failures[(department, requirement)] = failed
    for department, by_step in totals("steps").items():
        for step, counts in by_step.items():
            found.steps[(department, step)] = dict(zip(NPS_FIELDS, counts, strict=True))
    for department, by_tag in totals("tags").items():
        for tag, (detractors,) in by_tag.items():
            found.tags[(department, tag)] = detractors
    return found


def _count_audits(
    month: datetime.date, ids: set[int], parent_of: dict[int, int | None], found: LevelTwo
) -> None:
    """One pass over the month's DepartmentAudit rows below the top of the chains, each
    department's distinct audits counted over its own subtree."""
    below: dict[int, list[int]] = {department: [] for department in ids}
    for department in parent_of:
        ancestor: int | None = department
        while ancestor is not None:
            if ancestor in below:
                below[ancestor].append(department)
            ancestor = parent_of.get(ancestor)
    everything = set(parent_of)
    counts = DepartmentAudit.objects.filter(
        month=month, department_id__in=sorted(set().union(*below.values()))
    ).aggregate(
        **{
            f"d{department}": Count(
                "audit_id",
                distinct=True,
                # The whole tree needs no condition.
                filter=None if set(departments) >= everything else Q(department_id__in=departments),
            )
            for department, departments in below.items()
        }
    )
    for department in ids:
        if counts[f"d{department}"]:
            found.figures.setdefault(department, dict.fromkeys(_FIGURE_SUMS, 0))["audits"] = counts[
                f"d{department}"
            ]


def group_by_month(keys: Iterable[tuple[Any, ...]]) -> dict[datetime.date, set[int]]:
    """{month: subject ids} of (subject, month, ...) keys."""
    grouped: dict[datetime.date, set[int]] = defaultdict(set)
    for key in keys:
        grouped[key[1]].add(key[0])
    return grouped

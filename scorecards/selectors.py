"""Reads of the stored figures for pages, the API and payroll.

Everything here reads the scorecard tables (and lists source rows for drill-downs);
no figure is aggregated on a page view. Each function runs a fixed number of queries,
whatever the amount of data.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import formats
from django.utils.translation import gettext as _

from audits.models import Answer, AuditItem, AuditStatus, AuditStep, Dispute, DisputeStatus
from nps import scoring as nps_scoring
from roles.models import Department, Employee
from standards.models import Requirement

from .formatting import coefficient_text, floor_text, percent_text
from .models import (
    STALE_BUCKETS,
    Band,
    BandSet,
    Bucket,
    DepartmentMonth,
    DepartmentRequirementMonth,
    DepartmentStepMonth,
    DepartmentTagMonth,
    EmployeeMonth,
    EmployeeRequirementMonth,
    RecomputeRun,
)
from .months import add_months, month_bounds
from .permissions import departments_in_scope, employees_in_scope

# Incentives -------------------------------------------------------------------------------

NO_AUDITS = "no_audits"
NO_DATA = "no_data"
NO_RULES = "no_rules"
IN_BAND = "band"


@dataclass(frozen=True)
class Incentive:
    """The band an employee's month falls in, and why (or why there is none).

    The band is chosen by the percentage as shown: two decimals, rounded half up.
    """

    status: str
    percent: Decimal | None = None
    band_set: BandSet | None = None
    band: Band | None = None
    # The next band's floor (this band reaches up to it, excluded); None for the top band.
    upper: Decimal | None = None

    @property
    def coefficient(self) -> Decimal | None:
        return self.band.coefficient if self.band is not None else None

    @property
    def has_band(self) -> bool:
        return self.status == IN_BAND

    def band_label(self) -> str:
        """ "85–95 %" (from 85 up to, not including, 95), or "≥ 95 %" for the top band."""
        if self.band is None:
            return ""
        if self.upper is None:
            return f"≥ {floor_text(self.band.min_percent)} %"
        return f"{floor_text(self.band.min_percent)}–{floor_text(self.upper)} %"

    def explanation(self) -> str:
        if self.status == NO_AUDITS:
            return _("No audits this month: no band applies.")
        if self.status == NO_DATA:
            return _("Nothing applicable was checked this month: no band applies.")
        if self.status == NO_RULES:
            return _("No incentive rules were in force this month.")
        assert self.band is not None and self.band_set is not None and self.percent is not None
        scope = (
            self.band_set.position.name
            if self.band_set.position is not None
            else _("all positions")
        )
        if self.upper is None:
            rule = _("%(low)s %% and above → %(coefficient)s") % {
                "low": floor_text(self.band.min_percent),
                "coefficient": coefficient_text(self.band.coefficient),
            }
        else:
            rule = _("from %(low)s %% to below %(high)s %% → %(coefficient)s") % {
                "low": floor_text(self.band.min_percent),
                "high": floor_text(self.upper),
                "coefficient": coefficient_text(self.band.coefficient),
            }
        return _(
            "%(percent)s %% falls in the band %(rule)s (rules for %(scope)s from %(month)s)."
        ) % {
            "percent": percent_text(self.percent),
            "rule": rule,
            "scope": scope,
            "month": formats.date_format(self.band_set.effective_from, "YEAR_MONTH_FORMAT"),
        }


class IncentiveRules:
    """Every band set, loaded once (a small table), applied in memory per employee."""

    def __init__(self, band_sets: Iterable[BandSet]) -> None:
        # Newest first: the first set not after a month is the one in force.
        self.band_sets = sorted(band_sets, key=lambda s: s.effective_from, reverse=True)

    def rules_for(self, *, position_id: int | None, month: datetime.date) -> BandSet | None:
        general = None
        for band_set in self.band_sets:
            if band_set.effective_from > month:
                continue
            if band_set.position_id is not None and band_set.position_id == position_id:
                return band_set
            if band_set.position_id is None and general is None:
                general = band_set
        # Rules of the position, once in force, win over general ones of any date.
        return general

    def incentive(
        self, figures: EmployeeMonth | None, *, position_id: int | None, month: datetime.date
    ) -> Incentive:
        if figures is None or figures.audits == 0:
            return Incentive(status=NO_AUDITS)
        percent = figures.percent
        if percent is None:
            return Incentive(status=NO_DATA)
        band_set = self.rules_for(position_id=position_id, month=month)
        if band_set is None:
            return Incentive(status=NO_RULES, percent=percent)
        bands = list(band_set.bands.all())  # prefetched, highest floor first
        upper = None
        for band in bands:
            if percent >= band.min_percent:
                return Incentive(
                    status=IN_BAND, percent=percent, band_set=band_set, band=band, upper=upper
                )
            upper = band.min_percent
        return Incentive(status=NO_RULES, percent=percent)


def band_sets() -> QuerySet[BandSet]:
    return BandSet.objects.select_related("position", "created_by").prefetch_related(
        Prefetch("bands", queryset=Band.objects.order_by("-min_percent"))
    )


def incentive_rules() -> IncentiveRules:
    return IncentiveRules(band_sets())


# Figures ----------------------------------------------------------------------------------


def employee_month(employee: Employee, month: datetime.date) -> EmployeeMonth | None:
    return EmployeeMonth.objects.filter(employee=employee, month=month).first()


def employee_history(
    employee: Employee, months: Sequence[datetime.date]
) -> dict[datetime.date, EmployeeMonth]:
    rows = EmployeeMonth.objects.filter(employee=employee, month__in=list(months))
    return {row.month: row for row in rows}


def department_history(
    department: Department, months: Sequence[datetime.date]
) -> dict[datetime.date, DepartmentMonth]:
    rows = DepartmentMonth.objects.filter(
        department=department, month__in=list(months), subtree=True
    )
    return {row.month: row for row in rows}


def requirements_failed(
    *,
    month: datetime.date,
    department: Department | None = None,
    employee: Employee | None = None,
    limit: int | None = None,
) -> list[Any]:
    """Requirements failed in the month, most often first, with their quoted text."""
    queryset: QuerySet[Any]
    if employee is not None:
        queryset = EmployeeRequirementMonth.objects.filter(employee=employee, month=month)
    else:
        queryset = DepartmentRequirementMonth.objects.filter(
            department=department, month=month, subtree=True
        )
    queryset = queryset.select_related("requirement__version").order_by(
        "-failed", "requirement__text", "requirement_id"
    )
    return list(queryset[:limit] if limit else queryset)


def requirement_or_none(requirement_id: int) -> Requirement | None:
    return Requirement.objects.select_related("version").filter(pk=requirement_id).first()


def department_steps(*, department: Department, month: datetime.date) -> list[DepartmentStepMonth]:
    return list(
        DepartmentStepMonth.objects.filter(department=department, month=month, subtree=True)
        .select_related("step__stage")
        .order_by("step__stage__order", "step__order", "step_id")
    )


def department_tags(
    *, department: Department, month: datetime.date, limit: int = 10
) -> list[DepartmentTagMonth]:
    return list(
        DepartmentTagMonth.objects.filter(department=department, month=month, subtree=True)
        .select_related("tag")
        .order_by("-detractors", "tag__name")[:limit]
    )


def nps_of_scores(scores: Sequence[int]) -> nps_scoring.NpsFigure:
    return nps_scoring.figure_from_scores(list(scores))


def pending_buckets(*, month: datetime.date) -> int:
    """Buckets of the month waiting for their recompute (shown as "updating")."""
    return Bucket.objects.filter(STALE_BUCKETS, month=month).count()


# The staff scorecard ---------------------------------------------------------------------------


def steps_observed(employee: Employee, month: datetime.date) -> QuerySet[AuditStep]:
    """The audit steps behind an employee's month (final audits only)."""
    start, end = month_bounds(month)
    return (
        AuditStep.objects.filter(
            employee=employee,
            audit__status=AuditStatus.FINAL,
            audit__visited_at__gte=start,
            audit__visited_at__lt=end,
        )
        .select_related("audit__department", "audit__template")
        .order_by("audit__visited_at", "audit_id", "order", "id")
    )


def answers_failed(employee: Employee, month: datetime.date) -> QuerySet[AuditItem]:
    """Every "no" in the steps where the employee was observed, with the rule's text."""
    start, end = month_bounds(month)
    return (
        AuditItem.objects.filter(
            audit_step__employee=employee,
            answer=Answer.NO,
            audit__status=AuditStatus.FINAL,
            audit__visited_at__gte=start,
            audit__visited_at__lt=end,
        )
        .select_related("requirement__version", "audit_step", "audit")
        .prefetch_related("disputes")
        .order_by("audit__visited_at", "audit_step__order", "order", "id")
    )


def open_disputes(employee: Employee) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(employee=employee, status=DisputeStatus.OPEN)
        .select_related("item__requirement", "item__audit")
        .order_by("-created_at", "-id")
    )


# The manager dashboard ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeRow:
    department: Department
    depth: int
    current: DepartmentMonth | None
    previous: DepartmentMonth | None

    @property
    def percent_change(self) -> Decimal | None:
        now = self.current.percent if self.current else None
        before = self.previous.percent if self.previous else None
        if now is None or before is None:
            return None
        return now - before

    @property
    def nps_change(self) -> int | None:
        now = self.current.nps.nps if self.current else None
        before = self.previous.nps.nps if self.previous else None
        if now is None or before is None:
            return None
        return now - before


def department_tree(user: Any, month: datetime.date) -> list[TreeRow]:
    """The departments a user may see, in tree order, with this month and the one before."""
    departments = list(departments_in_scope(user).order_by("path"))
    if not departments:
        return []
    previous_month = add_months(month, -1)
    figures = {
        (row.department_id, row.month): row
        for row in DepartmentMonth.objects.filter(
            department__in=departments_in_scope(user),
            month__in=[month, previous_month],
            subtree=True,
        )
    }
    top = min(department.depth for department in departments)
    return [
        TreeRow(
            department=department,
            depth=department.depth - top,
            current=figures.get((department.pk, month)),
            previous=figures.get((department.pk, previous_month)),
        )
        for department in departments
    ]


@dataclass(frozen=True)
class EmployeeRow:
    employee: Employee
    figures: EmployeeMonth | None
    incentive: Incentive

    @property
    def percent(self) -> Decimal | None:
        return self.figures.percent if self.figures else None


def employee_rows(
    *,
    employees: QuerySet[Employee],
    month: datetime.date,
    rules: IncentiveRules,
) -> list[EmployeeRow]:
    """Employees with their month and band: active ones, and anyone with figures."""
    figures = {
        row.employee_id: row
        for row in EmployeeMonth.objects.filter(employee__in=employees, month=month)
    }
    people = employees.select_related("department", "position").order_by("full_name", "id")
    return [
        EmployeeRow(
            employee=person,
            figures=figures.get(person.pk),
            incentive=rules.incentive(
                figures.get(person.pk), position_id=person.position_id, month=month
            ),
        )
        for person in people
        if person.is_active or person.pk in figures
    ]


def ranked(rows: Sequence[EmployeeRow]) -> list[EmployeeRow]:
    """Highest compliance first; people without a figure last, by name."""
    with_figure = sorted(
        (row for row in rows if row.percent is not None),
        key=lambda row: (-(row.percent or 0), row.employee.full_name),
    )
    without = [row for row in rows if row.percent is None]
    return with_figure + without


def employees_of_subtree(user: Any, department: Department) -> QuerySet[Employee]:
    return employees_in_scope(user).filter(department__path__startswith=department.path)


def steps_behind_department(
    department: Department, month: datetime.date, *, requirement_id: int | None = None
) -> QuerySet[AuditStep]:
    """The audit steps behind a department's month: those that count for a department
    of the subtree (AuditStep.department, the rollup's attribution)."""
    start, end = month_bounds(month)
    steps = AuditStep.objects.filter(
        department__path__startswith=department.path,
        audit__status=AuditStatus.FINAL,
        audit__visited_at__gte=start,
        audit__visited_at__lt=end,
    )
    if requirement_id is not None:
        steps = steps.filter(items__requirement_id=requirement_id, items__answer=Answer.NO)
    return steps.select_related("audit__department", "audit__template", "employee").order_by(
        "-audit__visited_at", "audit_id", "order", "id"
    )


def latest_run() -> RecomputeRun | None:
    return (
        RecomputeRun.objects.select_related("requested_by").order_by("-created_at", "-id").first()
    )


# Payroll ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayrollRow:
    employee: Employee
    month: datetime.date
    figures: EmployeeMonth | None
    incentive: Incentive


def payroll_rows(
    *, user: Any, month: datetime.date, department: Department | None = None
) -> list[PayrollRow]:
    """Per employee of the user's scope: the month's compliance, n, band and coefficient."""
    employees = employees_in_scope(user)
    if department is not None:
        employees = employees.filter(department__path__startswith=department.path)
    rows = employee_rows(employees=employees, month=month, rules=incentive_rules())
    return [
        PayrollRow(employee=row.employee, month=month, figures=row.figures, incentive=row.incentive)
        for row in sorted(rows, key=lambda row: (row.employee.personnel_number, row.employee.pk))
    ]

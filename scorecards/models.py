"""Stored figures: compliance and NPS per employee, department (with its subtree) and month.

Pages and the API read these tables only; nothing here is computed on a page view.
The rollup (scorecards.rollup) rebuilds them with set-based queries, bucket by bucket,
in two levels:

1. from the source rows (audit steps and items, NPS responses):
   - an employee's month (EmployeeMonth, EmployeeRequirementMonth): the steps where
     they were observed, the responses naming them;
   - a department's own month (the rows with `subtree=False`, and DepartmentAudit):
     the steps attributed to the department itself (its employees observed, and the
     unidentified steps of its audits) and the responses recorded on it;
2. from the own rows of a department and of every department below it: the
   department's subtree month (`subtree=True`), which pages show. Sums of whole
   numbers, and distinct audits through DepartmentAudit.

Freshness (Bucket): a bucket is one (employee, month), (department own, month) or
(department subtree, month). `Bucket.generation` counts the changes to its inputs:
whoever changes source rows (an audit finalized, a dispute accepted, a response
recorded) increments it in the same transaction. A recompute reads the generation
first, then the rows, and records the generation it read as `computed_generation`
only if it is still the current one (a conditional UPDATE). A bucket is stale while
the two differ.

Figures are whole numbers (weights and counts); percentages and NPS are derived from
them with Decimal arithmetic when shown (audits.scoring, nps.scoring), never stored
rounded.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from audits import scoring as audit_scoring
from audits.models import Audit
from journeys.models import Step
from nps import scoring as nps_scoring
from nps.models import ProblemTag
from roles.models import Department, Employee, Position
from standards.models import Requirement


class BucketKind(models.TextChoices):
    EMPLOYEE = "employee", _("Employee")
    # The figures attributed to a department itself (level 1).
    DEPARTMENT_OWN = "department_own", _("Department (itself)")
    # A department with every department below it (level 2, from the own figures).
    DEPARTMENT = "department", _("Department (with those below)")


LEVEL_ONE = (BucketKind.EMPLOYEE, BucketKind.DEPARTMENT_OWN)


class Bucket(models.Model):
    """The freshness of one bucket's stored figures (see the module docstring)."""

    kind = models.CharField(max_length=20, choices=BucketKind.choices)
    # An employee id or a department id, depending on `kind`.
    subject_id = models.PositiveBigIntegerField()
    month = models.DateField()
    generation = models.PositiveBigIntegerField(default=0)
    # The generation the stored figures were computed from; None: never computed.
    computed_generation = models.PositiveBigIntegerField(null=True, blank=True)
    # When the bucket last went from fresh to stale: the sweep picks up buckets that
    # stay stale for too long (a lost message, a broker that was down).
    stale_since = models.DateTimeField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("figure bucket")
        verbose_name_plural = _("figure buckets")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject_id", "month"], name="scorecard_bucket_unique"
            ),
        ]
        indexes = [models.Index(fields=["stale_since"], name="scorecard_bucket_stale")]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject_id} · {self.month:%Y-%m}"

    @property
    def is_stale(self) -> bool:
        return self.computed_generation is None or self.computed_generation != self.generation


STALE_BUCKETS = Q(computed_generation__isnull=True) | ~Q(computed_generation=F("generation"))


class ComplianceFigures(models.Model):
    """What a compliance figure stands on, for one subject and month."""

    month = models.DateField(_("month"))
    earned = models.PositiveIntegerField(_("earned weight"), default=0)
    applicable = models.PositiveIntegerField(_("applicable weight"), default=0)
    # Answers yes or no (n.a. counts nowhere), and how many of them were "no".
    answers = models.PositiveIntegerField(_("answers"), default=0)
    failed_answers = models.PositiveIntegerField(_("answers “no”"), default=0)
    audits = models.PositiveIntegerField(_("audits"), default=0)
    steps = models.PositiveIntegerField(_("audit steps"), default=0)
    critical_failures = models.PositiveIntegerField(
        _("steps failed by a critical requirement"), default=0
    )
    promoters = models.PositiveIntegerField(_("promoters"), default=0)
    passives = models.PositiveIntegerField(_("passives"), default=0)
    detractors = models.PositiveIntegerField(_("detractors"), default=0)
    computed_at = models.DateTimeField(_("computed"), auto_now=True)

    class Meta:
        abstract = True

    @property
    def percent(self) -> Decimal | None:
        """earned / applicable in percent, two decimals rounded half up; None: no data."""
        return audit_scoring.percent(self.earned, self.applicable)

    @property
    def has_compliance(self) -> bool:
        return self.applicable > 0

    @property
    def nps(self) -> nps_scoring.NpsFigure:
        return nps_scoring.NpsFigure(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )


class EmployeeMonth(ComplianceFigures):
    """An employee's month: the steps where they were observed, the responses naming them."""

    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("employee month")
        verbose_name_plural = _("employee months")
        ordering = ["-month", "employee_id"]
        constraints = [
            models.UniqueConstraint(fields=["employee", "month"], name="scorecard_employee_month"),
        ]
        indexes = [models.Index(fields=["month", "employee"], name="scorecard_emp_month_idx")]

    def __str__(self) -> str:
        return f"{self.employee_id} · {self.month:%Y-%m}"


class DepartmentMonth(ComplianceFigures):
    """A department's month.

    With `subtree` (what pages show): over its whole subtree, the steps observed with
    its employees or those of any department below it, the unidentified steps in its
    audits or below, and the responses recorded on it or below. Without: the same for
    the department alone (the rollup's first level).
    """

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="+"
    )
    subtree = models.BooleanField(_("with the departments below"), default=True)

    class Meta:
        verbose_name = _("department month")
        verbose_name_plural = _("department months")
        ordering = ["-month", "department_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "subtree"], name="scorecard_department_month"
            ),
        ]
        indexes = [
            models.Index(fields=["month", "subtree", "department"], name="scorecard_dep_month_idx")
        ]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.month:%Y-%m}"


class DepartmentStepMonth(models.Model):
    """NPS of a department subtree (or, without `subtree`, of the department alone) at
    one journey step (touchpoint) in one month."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    step = models.ForeignKey(Step, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    subtree = models.BooleanField(default=True)
    promoters = models.PositiveIntegerField(default=0)
    passives = models.PositiveIntegerField(default=0)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("NPS per step and month")
        verbose_name_plural = _("NPS per step and month")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "subtree", "step"],
                name="scorecard_department_step_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.step_id} · {self.month:%Y-%m}"

    @property
    def nps(self) -> nps_scoring.NpsFigure:
        return nps_scoring.NpsFigure(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )


class RequirementFigures(models.Model):
    """How often one requirement was answered "no". Only failed requirements have a row."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    failed = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class EmployeeRequirementMonth(RequirementFigures):
    employee = models.ForeignKey(Employee, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("failures per requirement (employee)")
        verbose_name_plural = _("failures per requirement (employee)")
        constraints = [
            models.UniqueConstraint(
                fields=["employee", "month", "requirement"],
                name="scorecard_employee_requirement_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee_id} · {self.requirement_id} · {self.month:%Y-%m}"


class DepartmentRequirementMonth(RequirementFigures):
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    subtree = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("failures per requirement (department)")
        verbose_name_plural = _("failures per requirement (department)")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "subtree", "requirement"],
                name="scorecard_department_requirement_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.requirement_id} · {self.month:%Y-%m}"


class DepartmentTagMonth(models.Model):
    """How many detractors of a department subtree (or, without `subtree`, of the
    department alone) named one problem tag in a month."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    tag = models.ForeignKey(ProblemTag, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    subtree = models.BooleanField(default=True)
    detractors = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("detractor problems per month")
        verbose_name_plural = _("detractor problems per month")
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "subtree", "tag"],
                name="scorecard_department_tag_month",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.tag_id} · {self.month:%Y-%m}"


class DepartmentAudit(models.Model):
    """An audit with at least one step attributed to a department itself in a month:
    what makes the distinct count of audits behind a subtree's figure exact."""

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "month", "audit"], name="scorecard_department_audit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.audit_id} · {self.month:%Y-%m}"


class DepartmentLineage(models.Model):
    """One (department, ancestor) pair of the tree, the department itself included.

    Derived from Department.path (the materialized path) before every full recompute, so
    the subtree rollup is a plain join and GROUP BY ancestor.
    """

    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="lineage")
    ancestor = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="descendant_links"
    )
    depth = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["department", "ancestor"], name="scorecard_lineage_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ancestor_id} > {self.department_id}"


# Incentives --------------------------------------------------------------------------


class BandSet(models.Model):
    """The bands in force from a month on, for every position or for one.

    The rules for an employee's month are the latest set whose effective month is not
    after it, the set for their position before the general one. Sets in force for a
    past month are never edited: a change is a new set from the current month, so past
    months keep the rules they were paid by.
    """

    effective_from = models.DateField(_("effective from (month)"))
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Leave empty for the rules of every position without rules of its own."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("incentive rules")
        verbose_name_plural = _("incentive rules")
        ordering = ["-effective_from", "position__name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["effective_from", "position"], name="band_set_unique_month_position"
            ),
            models.UniqueConstraint(
                fields=["effective_from"],
                condition=Q(position__isnull=True),
                name="band_set_unique_month_general",
            ),
        ]

    def __str__(self) -> str:
        scope = self.position.name if self.position_id and self.position else _("all positions")
        return f"{self.effective_from:%Y-%m} · {scope}"

    def is_in_force_before(self, month: datetime.date) -> bool:
        """True when this set already applied to a month earlier than `month`."""
        return self.effective_from < month


class Band(models.Model):
    """From `min_percent` (inclusive) up to the next band: this coefficient."""

    band_set = models.ForeignKey(BandSet, on_delete=models.CASCADE, related_name="bands")
    min_percent = models.DecimalField(
        _("from, %"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    coefficient = models.DecimalField(
        _("coefficient"),
        max_digits=5,
        decimal_places=3,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(10))],
    )

    class Meta:
        verbose_name = _("band")
        verbose_name_plural = _("bands")
        ordering = ["band_set", "-min_percent"]
        constraints = [
            models.UniqueConstraint(fields=["band_set", "min_percent"], name="band_unique_floor"),
            models.CheckConstraint(
                condition=Q(min_percent__gte=0, min_percent__lte=100), name="band_floor_0_to_100"
            ),
            models.CheckConstraint(
                condition=Q(coefficient__gte=0), name="band_coefficient_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_percent}% → {self.coefficient}"


# Recompute runs ------------------------------------------------------------------------


class RecomputeRun(models.Model):
    """A full recompute asked for by a manager (or the nightly schedule), with its progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    # ISO first days of the months, oldest first.
    months: models.JSONField[list[str], list[str]] = models.JSONField(default=list)
    months_done = models.PositiveIntegerField(default=0)
    buckets_written = models.PositiveIntegerField(default=0)
    # Buckets changed by someone else during the run: left stale for their own recompute.
    buckets_skipped = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("recompute")
        verbose_name_plural = _("recomputes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} · {self.get_status_display()}"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def progress(self) -> int:
        """Whole percent of the months done."""
        if self.status == self.Status.DONE:
            return 100
        if not self.months:
            return 0
        return min(99, self.months_done * 100 // len(self.months))

"""Mystery-shopper audits: checklist templates, audits, answers, evidence, disputes.

A template is built from one published version of the standards book and keeps
pointing at that version's requirements (frozen rows), so every answer can quote the
exact rule it checked. An audit copies the template's items when it is assigned:
later changes to the template never change an audit already handed out.

The scoring unit is the audit step: a journey step, or a situation, with the
position responsible for it and the employee the auditor observed there. Its
earned/applicable figures are stored (see audits.scoring) when the audit is
submitted, finalized, or changed by an accepted dispute, so rollups are set-based.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Channel, Journey, Situation, Step
from roles.models import Department, Employee, Position
from standards.models import BookVersion, Requirement

from . import scoring


class Answer(models.TextChoices):
    YES = scoring.YES, _("Yes")
    NO = scoring.NO, _("No")
    NOT_APPLICABLE = scoring.NOT_APPLICABLE, _("N/A")


class ChecklistTemplate(models.Model):
    """A scenario to check (e.g. "call, then visit: buying a car for cash")."""

    name = models.CharField(_("name"), max_length=200)
    journey = models.ForeignKey(
        Journey, verbose_name=_("journey"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.ForeignKey(
        BookVersion,
        verbose_name=_("book version"),
        on_delete=models.PROTECT,
        related_name="checklist_templates",
    )
    notes = models.TextField(
        _("scenario notes"),
        blank=True,
        help_text=_(
            "What the auditor plays and asks, for example: pays cash, asks for a discount."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="checklist_template_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class TemplateStep(models.Model):
    """A place of the scenario: a journey step, or a situation, and who answers for it."""

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(
        Step,
        verbose_name=_("journey step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    situation = models.ForeignKey(
        Situation,
        verbose_name=_("situation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The responsible position when the template was built: the standards the items
    # come from are written for it, and the auditor picks the employee among its holders.
    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template step")
        verbose_name_plural = _("template steps")
        ordering = ["template", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(step__isnull=False, situation__isnull=True)
                    | Q(step__isnull=True, situation__isnull=False)
                ),
                name="template_step_is_step_or_situation",
            ),
            models.UniqueConstraint(fields=["template", "step"], name="template_step_unique_step"),
            models.UniqueConstraint(
                fields=["template", "situation"], name="template_step_unique_situation"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.situation is not None:
            return self.situation.name
        return self.step.name if self.step is not None else ""


class TemplateItem(models.Model):
    """One requirement of the template's version; left out by the manager when not included."""

    template_step = models.ForeignKey(TemplateStep, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="+"
    )
    # The requirement's identity across versions: an update matches items by it.
    lineage_key = models.UUIDField(_("lineage key"))
    included = models.BooleanField(_("included"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["template_step", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["template_step", "lineage_key"], name="template_item_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        return str(self.requirement)


class AuditStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    SUBMITTED = "submitted", _("Submitted")
    FINAL = "final", _("Final")


DRAFT_STATUSES = (AuditStatus.ASSIGNED, AuditStatus.IN_PROGRESS)


class Audit(models.Model):
    """One mystery-shopper visit (or call) to a department, by one auditor."""

    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.PROTECT,
        related_name="audits",
    )
    version = models.ForeignKey(
        BookVersion,
        verbose_name=_("book version"),
        on_delete=models.PROTECT,
        related_name="audits",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="audits"
    )
    auditor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("auditor"),
        on_delete=models.PROTECT,
        related_name="assigned_audits",
    )
    window_start = models.DateField(_("from"))
    window_end = models.DateField(_("until"))
    notes = models.TextField(_("scenario notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=AuditStatus.choices, default=AuditStatus.ASSIGNED
    )
    visited_at = models.DateTimeField(_("visit date and time"), null=True, blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, blank=True)
    # The draft's client-generated id, recorded by the first submission: a repeated
    # submission with the same id and content gets the same answer, never a second one.
    client_id = models.UUIDField(_("draft id"), null=True, blank=True, unique=True)
    # SHA-256 of the submitted content (answers, comments, employees, visit).
    submitted_digest = models.CharField(max_length=64, blank=True, editable=False)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("finalized"), null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("finalized by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    earned = models.PositiveIntegerField(_("earned weight"), null=True, blank=True)
    applicable = models.PositiveIntegerField(_("applicable weight"), null=True, blank=True)
    score = models.DecimalField(
        _("score, %"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("audit")
        verbose_name_plural = _("audits")
        ordering = ["-window_start", "-id"]
        indexes = [models.Index(fields=["status", "visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(window_end__gte=models.F("window_start")),
                name="audit_window_in_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[s.value for s in DRAFT_STATUSES])
                | Q(client_id__isnull=False, submitted_at__isnull=False),
                name="audit_submitted_has_draft_id",
            ),
            models.CheckConstraint(
                condition=~Q(status=AuditStatus.FINAL) | Q(finalized_at__isnull=False),
                name="audit_final_has_date",
            ),
        ]

    def __str__(self) -> str:
        return str(
            _("%(template)s · %(department)s · %(start)s")
            % {
                "template": self.template.name,
                "department": self.department.name,
                "start": self.window_start.isoformat(),
            }
        )

    @property
    def is_draft(self) -> bool:
        return self.status in DRAFT_STATUSES

    @property
    def is_final(self) -> bool:
        return self.status == AuditStatus.FINAL

    @property
    def visit_month(self) -> datetime.date | None:
        """The month the visit counts in (the company's time zone)."""
        if self.visited_at is None:
            return None
        local = timezone.localtime(self.visited_at)
        return local.date().replace(day=1)

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_draft and self.window_end < today

    @property
    def score_percent(self) -> Decimal | None:
        if self.earned is None or self.applicable is None:
            return None
        return scoring.percent(self.earned, self.applicable)


class AuditStep(models.Model):
    """A step of one audit, with the employee observed there and its stored figures."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="steps")
    step = models.ForeignKey(
        Step,
        verbose_name=_("journey step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    situation = models.ForeignKey(
        Situation,
        verbose_name=_("situation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=300)
    order = models.PositiveIntegerField(_("order"), default=0)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee observed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="observed_audit_steps",
    )
    employee_unidentified = models.BooleanField(_("could not identify"), default=False)
    # The department the step counts for in the department figures, fixed when the
    # audit is submitted: the observed employee's department then, or the audited
    # department when nobody was identified. Moving the employee later does not move
    # the step (as NPS responses keep the department they were given).
    department = models.ForeignKey(
        Department,
        verbose_name=_("counts for department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    earned = models.PositiveIntegerField(_("earned weight"), null=True, blank=True)
    applicable = models.PositiveIntegerField(_("applicable weight"), null=True, blank=True)
    critical_failed = models.BooleanField(_("critical requirement failed"), default=False)
    # Answers "yes" or "no" (n.a. counts nowhere), and how many of them were "no".
    answers = models.PositiveIntegerField(_("answers"), default=0)
    failed_answers = models.PositiveIntegerField(_("answers “no”"), default=0)

    class Meta:
        verbose_name = _("audit step")
        verbose_name_plural = _("audit steps")
        ordering = ["audit", "order", "id"]
        indexes = [
            models.Index(fields=["employee", "audit"]),
            models.Index(fields=["department", "audit"], name="audit_step_department"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(employee__isnull=True) | Q(employee_unidentified=False),
                name="audit_step_employee_or_unidentified",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def observation_given(self) -> bool:
        return self.employee_id is not None or self.employee_unidentified

    @property
    def score_percent(self) -> Decimal | None:
        if self.earned is None or self.applicable is None:
            return None
        return scoring.percent(self.earned, self.applicable)


class AuditItem(models.Model):
    """One requirement checked in one audit, with the auditor's answer."""

    audit = models.ForeignKey(Audit, on_delete=models.CASCADE, related_name="items")
    audit_step = models.ForeignKey(AuditStep, on_delete=models.CASCADE, related_name="items")
    requirement = models.ForeignKey(
        Requirement, verbose_name=_("requirement"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    answer = models.CharField(_("answer"), max_length=4, choices=Answer.choices, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("audit item")
        verbose_name_plural = _("audit items")
        ordering = ["audit_step__order", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["audit", "requirement"], name="audit_item_unique_requirement"
            ),
        ]

    def __str__(self) -> str:
        return str(self.requirement)

    def as_scored(self) -> scoring.ItemAnswer:
        return scoring.ItemAnswer(
            weight=self.requirement.weight,
            critical=self.requirement.critical,
            answer=self.answer or None,
        )


class Evidence(models.Model):
    """A photo taken for an item. The file lives under PRIVATE_MEDIA_ROOT, never MEDIA_URL,
    and is served only by a view that checks the audit's permissions."""

    item = models.ForeignKey(AuditItem, on_delete=models.CASCADE, related_name="evidence")
    # Relative to the evidence folder of PRIVATE_MEDIA_ROOT (see audits.evidence).
    path = models.CharField(max_length=300, unique=True)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField(_("size, bytes"))
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("photo evidence")
        verbose_name_plural = _("photo evidence")
        ordering = ["item", "created_at", "id"]

    def __str__(self) -> str:
        return self.original_name or self.path


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Dispute(models.Model):
    """An observed employee contests an answer of a final audit; a manager decides.

    The row keeps the answer before and after, so the audit's history shows what
    changed, when and why.
    """

    item = models.ForeignKey(AuditItem, on_delete=models.PROTECT, related_name="disputes")
    employee = models.ForeignKey(
        Employee, verbose_name=_("employee"), on_delete=models.PROTECT, related_name="disputes"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    answer_before = models.CharField(_("answer disputed"), max_length=4, choices=Answer.choices)
    answer_after = models.CharField(
        _("corrected answer"), max_length=4, choices=Answer.choices, blank=True
    )
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        constraints = [
            # One dispute per answer: a rejected dispute is not raised again.
            models.UniqueConstraint(fields=["item"], name="dispute_one_per_item"),
            models.CheckConstraint(
                condition=Q(status=DisputeStatus.OPEN) | Q(decided_at__isnull=False),
                name="dispute_decided_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.item}"

    @property
    def is_open(self) -> bool:
        return self.status == DisputeStatus.OPEN

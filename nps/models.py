"""NPS: surveys, invitations, responses, problem tags, exports and imports."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Step
from roles.models import ApiToken, Department, Employee

from . import scoring

# The standard question, word for word in both languages the customers read. It is
# data, not interface text: it must be exactly this in every survey.
STANDARD_QUESTION = {
    "ru": "Насколько вероятно, что вы порекомендуете нас другу или коллеге?",
    "en": "How likely are you to recommend us to a friend or colleague?",
}
DEFAULT_FOLLOW_UP = {
    "ru": "Что повлияло на вашу оценку? Что нам сделать лучше?",
    "en": "What is the main reason for your score? What could we do better?",
}


def _public_key() -> str:
    return secrets.token_urlsafe(12)


def _invitation_token() -> str:
    return secrets.token_urlsafe(24)


class Survey(models.Model):
    """A survey: the standard 0-10 question plus a follow-up, tied to a step and department.

    With an employee it is that person's own link (a salesperson's card or receipt).
    It accepts answers while active and inside its window (dates inclusive).
    """

    name = models.CharField(_("name"), max_length=200)
    follow_up_ru = models.CharField(
        _("follow-up question (Russian)"), max_length=300, default=DEFAULT_FOLLOW_UP["ru"]
    )
    follow_up_en = models.CharField(
        _("follow-up question (English)"), max_length=300, default=DEFAULT_FOLLOW_UP["en"]
    )
    step = models.ForeignKey(
        Step,
        verbose_name=_("journey step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="surveys"
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="surveys",
        help_text=_("Only for a personal link: responses are then attributed to this person."),
    )
    active_from = models.DateField(_("open from"), default=timezone.localdate)
    active_until = models.DateField(_("open until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    public_key = models.CharField(max_length=32, unique=True, default=_public_key, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        ordering = ["-is_active", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(active_until__isnull=True)
                | models.Q(active_until__gte=models.F("active_from")),
                name="survey_window_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("nps:survey_detail", args=[self.pk])

    def public_path(self) -> str:
        return reverse("nps_public:survey", args=[self.public_key])

    def status(self, today: datetime.date | None = None) -> str:
        """open, paused (switched off), scheduled (not yet open) or closed (window over)."""
        today = today or timezone.localdate()
        if not self.is_active:
            return "paused"
        if today < self.active_from:
            return "scheduled"
        if self.active_until is not None and today > self.active_until:
            return "closed"
        return "open"

    def is_open(self, today: datetime.date | None = None) -> bool:
        return self.status(today) == "open"

    def follow_up_question(self, language: str) -> str:
        return self.follow_up_en if language.startswith("en") else self.follow_up_ru


class Invitation(models.Model):
    """A single-use link for one customer, created by a REST client (a CRM after a deal).

    The response it records points back at it through a unique column, so the
    database itself refuses a second response, whatever races in front of it.
    """

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="invitations"
    )
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    external_ref = models.CharField(_("external reference"), max_length=100)
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nps_invitations",
    )
    step = models.ForeignKey(
        Step,
        verbose_name=_("journey step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nps_invitations",
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "external_ref"], name="invitation_unique_reference_per_survey"
            ),
        ]

    def __str__(self) -> str:
        return self.external_ref

    def public_path(self) -> str:
        return reverse("nps_public:invitation", args=[self.token])

    def status(self, now: datetime.datetime | None = None) -> str:
        """pending, answered or expired."""
        if self.answered_at is not None:
            return "answered"
        now = now or timezone.now()
        if self.expires_at is not None and now >= self.expires_at:
            return "expired"
        return "pending"


class ProblemTag(models.Model):
    """A problem named once and counted everywhere: "kept waiting", "informal «ты»"."""

    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("problem tag")
        verbose_name_plural = _("problem tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), name="problem_tag_unique_name")]

    def __str__(self) -> str:
        return self.name


class Source(models.TextChoices):
    LINK = "link", _("Survey link")
    INVITATION = "invitation", _("Invitation")
    IMPORT = "import", _("Import")


class FollowUp(models.TextChoices):
    """Closing the loop with a detractor. NONE: not a detractor, or imported history."""

    NONE = "", _("—")
    OPEN = "open", _("Open")
    CONTACTED = "contacted", _("Contacted")
    RESOLVED = "resolved", _("Resolved")


class Response(models.Model):
    """One customer's answer.

    Department, employee and step are copied from the survey (or the invitation) when
    the answer arrives, so moving an employee later does not rewrite history.
    """

    survey = models.ForeignKey(
        Survey, verbose_name=_("survey"), on_delete=models.PROTECT, related_name="responses"
    )
    invitation = models.OneToOneField(
        Invitation,
        verbose_name=_("invitation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="response",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="nps_responses",
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nps_responses",
    )
    step = models.ForeignKey(
        Step,
        verbose_name=_("journey step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nps_responses",
    )
    score = models.PositiveSmallIntegerField(_("score"))
    comment = models.TextField(_("comment"), blank=True)
    contact_name = models.CharField(_("name"), max_length=200, blank=True)
    contact = models.CharField(_("phone or e-mail"), max_length=200, blank=True)
    contact_consent = models.BooleanField(_("may be contacted"), default=False)
    language = models.CharField(_("language"), max_length=10, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    # The identifier in the tool an import came from: importing the same file twice
    # finds its rows here and writes nothing.
    external_id = models.CharField(max_length=100, null=True, blank=True, unique=True)
    submitted_at = models.DateTimeField(_("answered"), default=timezone.now, db_index=True)
    comment_updated_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(
        ProblemTag,
        verbose_name=_("problem tags"),
        through="ResponseTag",
        related_name="responses",
        blank=True,
    )
    follow_up_status = models.CharField(
        _("follow-up"), max_length=20, choices=FollowUp.choices, default=FollowUp.NONE, blank=True
    )
    follow_up_note = models.TextField(_("follow-up note"), blank=True)
    follow_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("follow-up by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    follow_up_at = models.DateTimeField(_("follow-up changed"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=10), name="response_score_0_to_10"
            ),
        ]
        indexes = [
            models.Index(fields=["department", "submitted_at"], name="nps_response_dept_time"),
            # An employee's month of responses (the scorecard rollup).
            models.Index(fields=["employee", "submitted_at"], name="nps_response_employee_time"),
            models.Index(fields=["-submitted_at", "-id"], name="nps_response_cursor"),
            models.Index(fields=["follow_up_status"], name="nps_response_follow_up"),
        ]

    def __str__(self) -> str:
        return f"{self.score} · {self.survey}"

    def get_absolute_url(self) -> str:
        return reverse("nps:response_detail", args=[self.pk])

    @property
    def category(self) -> str:
        return scoring.category(self.score)

    @property
    def is_detractor(self) -> bool:
        return self.category == scoring.DETRACTOR


class ResponseTag(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(ProblemTag, on_delete=models.PROTECT, related_name="response_links")
    tagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    tagged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "tag"], name="response_tag_once"),
        ]

    def __str__(self) -> str:
        return str(self.tag)


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ExportJob(models.Model):
    """A file of responses built in the background, downloadable by its owner until it expires."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nps_export_jobs"
    )
    api_token = models.ForeignKey(
        ApiToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    format = models.CharField(_("format"), max_length=10, choices=ExportFormat.choices)
    # The selection, as the filter parameters of the responses list (strings only).
    filters: models.JSONField[Any, Any] = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    file_path = models.CharField(max_length=300, blank=True, editable=False)
    file_size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_format_display()} #{self.pk}"

    @property
    def progress(self) -> int:
        """Whole percent done."""
        if self.status == self.Status.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, self.rows_done * 100 // self.rows_total)

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.EXPIRED}

    def download_name(self) -> str:
        stamp = timezone.localtime(self.created_at).strftime("%Y-%m-%d-%H%M")
        return f"nps-responses-{stamp}-{self.pk}.{self.format}"


class ResponseImport(models.Model):
    """One CSV file of historical responses: previewed, then written all or nothing."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        DONE = "done", _("Done")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="nps_response_imports"
    )
    file_name = models.CharField(_("file"), max_length=255)
    checksum = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    # The valid rows exactly as previewed; confirming writes these.
    rows: models.JSONField[Any, Any] = models.JSONField(default=list)
    created_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("response import")
        verbose_name_plural = _("response imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.file_name

"""The organisation: departments (a tree), positions, employees, program roles, activity."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ProgramRole(models.TextChoices):
    """Program roles are auth groups (created by a migration) with these names."""

    MANAGER = "manager", _("Manager")
    AUDITOR = "auditor", _("Auditor")
    STAFF = "staff", _("Staff")
    API_CLIENT = "api_client", _("API client")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class DepartmentQuerySet(models.QuerySet["Department"]):
    def subtree_of(self, department: Department) -> DepartmentQuerySet:
        """The department itself and every department below it."""
        return self.filter(path__startswith=department.path)


class Department(models.Model):
    """A node of the company tree (a dealership > sales, service, reception).

    `path` is a materialized path of ids ("1/4/9/"), kept by the services, so a
    subtree is one indexed prefix query on any database.
    """

    name = models.CharField(_("name"), max_length=200)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    head = models.ForeignKey(
        "Employee",
        verbose_name=_("head"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="headed_departments",
    )
    path = models.CharField(max_length=400, db_index=True, editable=False, default="")
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(
                "parent", Lower("name"), name="department_unique_name_per_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return max(self.path.count("/") - 1, 0)

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this department, itself included."""
        return [int(part) for part in self.path.split("/") if part]

    def is_within(self, other: Department) -> bool:
        return bool(self.path) and self.path.startswith(other.path)


class Position(models.Model):
    """A job title. Its duties are the journey steps and situations it answers for."""

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="position_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("journeys:position_duties", args=[self.pk])


class Employee(models.Model):
    personnel_number = models.CharField(_("personnel number"), max_length=50, unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    position = models.ForeignKey(
        Position,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        related_name="employees",
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices)
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="employee",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["full_name", "id"]

    def __str__(self) -> str:
        return self.full_name


class EmployeeImport(models.Model):
    """One employee CSV upload: previewed, then applied all or nothing by a task."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", _("Previewed")
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="employee_imports"
    )
    file_name = models.CharField(_("file"), max_length=255)
    checksum = models.CharField(max_length=64)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PREVIEWED
    )
    # Rows that passed validation at preview time, as plain dicts: the task applies
    # exactly what the manager saw.
    rows: models.JSONField[Any, Any] = models.JSONField(default=list)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    # Set when a worker claims the job: a job left running past the task's time limit
    # was interrupted (its transaction rolled back) and is marked failed by the sweep.
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("employee import")
        verbose_name_plural = _("employee imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}


class ApiScope(models.TextChoices):
    """What an API token may do; a token holds any subset."""

    READ_RESPONSES = "read:responses", _("Read NPS responses and summaries")
    WRITE_INVITATIONS = "write:invitations", _("Create survey invitations and read their status")
    READ_SCORES = "read:scores", _("Read scorecards")


class ApiToken(models.Model):
    """A key a REST client (a BI tool, a CRM, payroll) sends as `Authorization: Bearer <key>`.

    Only the SHA-256 of the key is stored: keys are long random secrets, so a fast hash
    is enough, and the plain key is shown once, when the token is created. The token
    acts as `user` (an API-client login, or the manager who created it) and sees what
    that user sees, limited further by its scopes.
    """

    name = models.CharField(_("name"), max_length=100)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    scopes: models.JSONField[Any, Any] = models.JSONField(_("scopes"), default=list)
    key_prefix = models.CharField(_("key starts with"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="created_api_tokens",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

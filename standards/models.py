"""The standards book: versions and their content.

Every content row belongs to one BookVersion. A version is editable only while it
is a draft; once published it is frozen, and the guard lives here in the model
layer (save, delete, queryset update/delete/bulk writes) so that no path - view,
admin, service, shell - can change it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from journeys.models import Situation, Step
from roles.models import Employee, Gender, Position


class VersionFrozen(Exception):
    """Raised on any attempt to change the content of a published or archived version."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or str(
                _(
                    "This version of the book is published and can no longer change. "
                    "Start a new draft to make changes."
                )
            )
        )


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Book(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("standards book")
        verbose_name_plural = _("standards books")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class BookVersion(models.Model):
    book = models.ForeignKey(
        Book, verbose_name=_("book"), on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField(_("number"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    change_note = models.TextField(_("change note"), blank=True)
    created_from = models.ForeignKey(
        "self",
        verbose_name=_("created from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="copies",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("book version")
        verbose_name_plural = _("book versions")
        ordering = ["book", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["book", "number"], name="book_version_unique_number"),
            models.UniqueConstraint(
                fields=["book"],
                condition=Q(status="draft"),
                name="book_version_one_draft_per_book",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(published_at__isnull=False),
                name="book_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return str(_("%(book)s, version %(number)s") % {"book": self.book, "number": self.number})

    def save(self, *args: Any, **kwargs: Any) -> None:
        """A frozen version may only go from published to archived; nothing else changes."""
        if self.pk is not None:
            stored: dict[str, Any] | None = BookVersion.objects.filter(pk=self.pk).values().first()  # type: ignore[assignment]
            if stored is not None and stored["status"] != VersionStatus.DRAFT:
                archiving = (
                    stored["status"] == VersionStatus.PUBLISHED
                    and self.status == VersionStatus.ARCHIVED
                )
                unchanged = all(
                    stored[field.attname] == getattr(self, field.attname)
                    for field in self._meta.concrete_fields
                    if field.attname != "status"
                )
                if not (unchanged and (archiving or stored["status"] == self.status)):
                    raise VersionFrozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if BookVersion.objects.filter(pk=self.pk).exclude(status=VersionStatus.DRAFT).exists():
            raise VersionFrozen()
        return super().delete(*args, **kwargs)

    @property
    def is_draft(self) -> bool:
        return self.status == VersionStatus.DRAFT

    @property
    def is_frozen(self) -> bool:
        return self.status != VersionStatus.DRAFT


class VersionedQuerySet(models.QuerySet[Any]):
    """Bulk writes refuse rows of a version that is not a draft."""

    def _refuse_frozen(self) -> None:
        if self.exclude(version__status=VersionStatus.DRAFT).exists():
            raise VersionFrozen()

    def update(self, **kwargs: Any) -> int:
        self._refuse_frozen()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_frozen()
        return super().delete()

    def bulk_update(self, objs: Iterable[Any], fields: Any, batch_size: int | None = None) -> int:
        objs = list(objs)
        _refuse_versions({obj.version_id for obj in objs})
        self.filter(pk__in=[obj.pk for obj in objs])._refuse_frozen()
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        objs = list(objs)
        _refuse_versions({obj.version_id for obj in objs})
        return super().bulk_create(objs, *args, **kwargs)


def _refuse_versions(version_ids: set[int]) -> None:
    if BookVersion.objects.filter(pk__in=version_ids).exclude(status=VersionStatus.DRAFT).exists():
        raise VersionFrozen()


class VersionedContent(models.Model):
    """A row of book content: belongs to a version, frozen with it, and carries a
    lineage key that stays the same when a new draft copies it."""

    version = models.ForeignKey(
        BookVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="+"
    )
    lineage_key = models.UUIDField(_("lineage key"), default=uuid.uuid4, editable=False)
    # Optimistic concurrency: every save bumps it; an edit made from an older
    # revision is refused instead of overwriting someone else's change.
    revision = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        if self.pk is not None:
            self.revision += 1
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "revision", "updated_at"}
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        version_ids = {self.version_id}
        if self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values_list("version_id", flat=True)
            version_ids.update(stored)
        _refuse_versions(version_ids)


class Term(VersionedContent):
    term = models.CharField(_("term"), max_length=200)
    definition = models.TextField(_("definition"), help_text=_("Markdown is allowed."))

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["term", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "lineage_key"], name="term_unique_lineage"),
        ]

    def __str__(self) -> str:
        return self.term


class GeneralProvision(VersionedContent):
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), help_text=_("Markdown is allowed."))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("general provision")
        verbose_name_plural = _("general provisions")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "lineage_key"], name="provision_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Principle(VersionedContent):
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True, help_text=_("Markdown is allowed."))
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("principle")
        verbose_name_plural = _("principles")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "lineage_key"], name="principle_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CommunicationStandard(VersionedContent):
    """How a position behaves at a journey step or in a situation."""

    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
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
    process = models.TextField(
        _("how the process goes"), blank=True, help_text=_("Markdown is allowed.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("communication standard")
        verbose_name_plural = _("communication standards")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(step__isnull=False) | Q(situation__isnull=False),
                name="communication_standard_has_step_or_situation",
                violation_error_message=_(
                    "Choose the journey step or the situation this standard is for."
                ),
            ),
            models.UniqueConstraint(
                fields=["version", "lineage_key"], name="communication_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        where = self.situation if self.situation_id else self.step
        return f"{self.position} · {where}"

    @property
    def journey_step(self) -> Step | None:
        """The step on the journey map: its own, or the step of its situation."""
        if self.step_id:
            return self.step
        situation = self.situation if self.situation_id else None
        if situation is not None and situation.step_id:
            return situation.step
        return None


class AppearanceGender(models.TextChoices):
    ANY = "any", _("Any")
    FEMALE = Gender.FEMALE.value, Gender.FEMALE.label
    MALE = Gender.MALE.value, Gender.MALE.label


class AppearanceStandard(VersionedContent):
    position = models.ForeignKey(
        Position, verbose_name=_("position"), on_delete=models.PROTECT, related_name="+"
    )
    gender = models.CharField(
        _("gender"), max_length=10, choices=AppearanceGender.choices, default=AppearanceGender.ANY
    )
    task = models.CharField(
        _("task"),
        max_length=200,
        help_text=_("For example: on the sales floor, at a client's site."),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("appearance standard")
        verbose_name_plural = _("appearance standards")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "lineage_key"], name="appearance_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position} · {self.get_gender_display()} · {self.task}"

    def applies_to(self, employee: Employee) -> bool:
        return self.position_id == employee.position_id and self.gender in {
            AppearanceGender.ANY,
            employee.gender,
        }


class RequirementKind(models.TextChoices):
    SAY = "say", _("Says")
    DO = "do", _("Does")
    NEVER = "never", _("Never")
    LOOK = "look", _("Looks")


class Requirement(VersionedContent):
    """One checkable sentence inside a communication or appearance standard or a principle."""

    communication_standard = models.ForeignKey(
        CommunicationStandard,
        verbose_name=_("communication standard"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    appearance_standard = models.ForeignKey(
        AppearanceStandard,
        verbose_name=_("appearance standard"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    principle = models.ForeignKey(
        Principle,
        verbose_name=_("principle"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    text = models.TextField(_("text"))
    kind = models.CharField(_("kind"), max_length=10, choices=RequirementKind.choices)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    critical = models.BooleanField(
        _("critical"), default=False, help_text=_("A fail fails the whole step.")
    )
    auditable = models.BooleanField(
        _("auditable"), default=True, help_text=_("An auditor can check it.")
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("requirement")
        verbose_name_plural = _("requirements")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=3),
                name="requirement_weight_1_to_3",
                violation_error_message=_("The weight is 1, 2 or 3."),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        communication_standard__isnull=False,
                        appearance_standard__isnull=True,
                        principle__isnull=True,
                    )
                    | Q(
                        communication_standard__isnull=True,
                        appearance_standard__isnull=False,
                        principle__isnull=True,
                    )
                    | Q(
                        communication_standard__isnull=True,
                        appearance_standard__isnull=True,
                        principle__isnull=False,
                    )
                ),
                name="requirement_has_exactly_one_parent",
            ),
            models.UniqueConstraint(
                fields=["version", "lineage_key"], name="requirement_unique_lineage"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        looks = self.kind == RequirementKind.LOOK
        if self.appearance_standard_id and not looks:
            raise ValidationError(
                {"kind": _("An appearance standard holds “looks” requirements only.")}
            )
        if not self.appearance_standard_id and looks:
            raise ValidationError(
                {"kind": _("“Looks” requirements belong to appearance standards.")}
            )

    @property
    def parent(self) -> models.Model:
        return self.communication_standard or self.appearance_standard or self.principle  # type: ignore[return-value]

    @property
    def parent_kind(self) -> str:
        if self.communication_standard_id:
            return "communication"
        if self.appearance_standard_id:
            return "appearance"
        return "principle"

    @property
    def parent_key(self) -> str:
        """ "communication-12": names the list this requirement sits in."""
        return f"{self.parent_kind}-{getattr(self, self.parent_field + '_id')}"

    @property
    def parent_field(self) -> str:
        return {
            "communication": "communication_standard",
            "appearance": "appearance_standard",
            "principle": "principle",
        }[self.parent_kind]


class Acknowledgement(models.Model):
    """An employee's confirmation that they read what changed for them in a version.

    Created on publish only for employees whose applicable standards changed.
    `base_version` is the published version before this one: the diff the
    employee reads goes from there.
    """

    version = models.ForeignKey(
        BookVersion,
        verbose_name=_("version"),
        on_delete=models.PROTECT,
        related_name="acknowledgements",
    )
    base_version = models.ForeignKey(
        BookVersion,
        verbose_name=_("previous version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    employee = models.ForeignKey(
        Employee,
        verbose_name=_("employee"),
        on_delete=models.CASCADE,
        related_name="standard_acknowledgements",
    )
    required_at = models.DateTimeField(_("asked"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["version", "employee"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "employee"], name="acknowledgement_unique_per_employee"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employee} · {self.version}"

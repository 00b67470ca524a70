"""The customer journey map: journeys, stages, steps (touchpoints) and situations."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from roles.models import Employee, Position


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    IN_PERSON = "in_person", _("In person")
    ONLINE = "online", _("Online")
    MESSENGER = "messenger", _("Messenger")
    EMAIL = "email", _("E-mail")


class SituationKind(models.TextChoices):
    ROUTINE = "routine", _("Routine")
    NON_STANDARD = "non_standard", _("Non-standard")
    NEGATIVE = "negative", _("Negative")


class Journey(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("journey")
        verbose_name_plural = _("journeys")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("journeys:map", args=[self.pk])


class Stage(models.Model):
    """A global stage of the journey (first call, visit, deal ...), in order."""

    journey = models.ForeignKey(
        Journey, verbose_name=_("journey"), on_delete=models.PROTECT, related_name="stages"
    )
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveIntegerField(_("order"), default=0)
    # Edit forms carry it back so a save over someone else's newer change is refused.
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["journey", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Step(models.Model):
    """A touchpoint inside a stage: a phone call, meeting at the door, signing ..."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="steps"
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    responsible_position = models.ForeignKey(
        Position,
        verbose_name=_("responsible position"),
        on_delete=models.PROTECT,
        related_name="steps",
    )
    owner = models.ForeignKey(
        Employee,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_steps",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("step")
        verbose_name_plural = _("steps")
        ordering = ["stage__order", "order", "id"]

    def __str__(self) -> str:
        return self.name


class Situation(models.Model):
    """A situation at a step, or cross-cutting (step empty): routine, non-standard, negative."""

    journey = models.ForeignKey(
        Journey, verbose_name=_("journey"), on_delete=models.PROTECT, related_name="situations"
    )
    step = models.ForeignKey(
        Step,
        verbose_name=_("step"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="situations",
    )
    name = models.CharField(_("name"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("kind"), max_length=20, choices=SituationKind.choices, default=SituationKind.ROUTINE
    )
    responsible_position = models.ForeignKey(
        Position,
        verbose_name=_("responsible position"),
        on_delete=models.PROTECT,
        related_name="situations",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("situation")
        verbose_name_plural = _("situations")
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_negative(self) -> bool:
        return self.kind == SituationKind.NEGATIVE

"""Forms of the book editor. Each edit form carries the revision it started from."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.forms import EditFormMixin
from journeys.models import Situation, Step
from roles.models import Position

from .models import (
    AppearanceStandard,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    Term,
)


class RevisionMixin(EditFormMixin):
    """Edit forms of the book carry the revision they were opened with (core.forms)."""


class TermForm(RevisionMixin, forms.ModelForm):
    class Meta:
        model = Term
        fields = ["term", "definition"]
        widgets = {"definition": forms.Textarea(attrs={"rows": 3})}


class ProvisionForm(RevisionMixin, forms.ModelForm):
    class Meta:
        model = GeneralProvision
        fields = ["title", "body"]
        widgets = {"body": forms.Textarea(attrs={"rows": 6})}


class PrincipleForm(RevisionMixin, forms.ModelForm):
    class Meta:
        model = Principle
        fields = ["title", "text"]
        widgets = {"text": forms.Textarea(attrs={"rows": 3})}


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.stage.journey.name} → {obj.stage.name} → {obj.name}"


class SituationChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        where = obj.step.name if obj.step_id else _("any step")
        return f"{obj.journey.name} → {where} → {obj.name} ({obj.get_kind_display()})"


def _choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    return cast(forms.ModelChoiceField, form.fields[name])


def _positions(current: Any = None) -> Any:
    query = Q(is_active=True)
    if current is not None:
        query |= Q(pk=current)
    return Position.objects.filter(query).order_by("name")


class CommunicationStandardForm(RevisionMixin, forms.ModelForm):
    step = StepChoiceField(
        label=_("Journey step"),
        required=False,
        queryset=Step.objects.none(),
    )
    situation = SituationChoiceField(
        label=_("Situation"),
        required=False,
        queryset=Situation.objects.none(),
    )

    class Meta:
        model = CommunicationStandard
        fields = ["position", "step", "situation", "process"]
        widgets = {"process": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        _choices(self, "position").queryset = _positions(
            instance.position_id if instance.pk else None
        )
        _choices(self, "step").queryset = (
            Step.objects.filter(Q(stage__journey__is_active=True) | Q(pk=instance.step_id or 0))
            .select_related("stage__journey")
            .order_by("stage__journey__name", "stage__order", "order", "id")
        )
        _choices(self, "situation").queryset = (
            Situation.objects.filter(Q(journey__is_active=True) | Q(pk=instance.situation_id or 0))
            .select_related("journey", "step")
            .order_by("journey__name", "step__stage__order", "step__order", "order", "id")
        )
        self.fields["step"].help_text = _("Choose a step, a situation, or both.")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("step") and not cleaned.get("situation"):
            self.add_error(
                "step", _("Choose the journey step or the situation this standard is for.")
            )
        return cleaned


class AppearanceStandardForm(RevisionMixin, forms.ModelForm):
    class Meta:
        model = AppearanceStandard
        fields = ["position", "gender", "task"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instance = self.instance
        _choices(self, "position").queryset = _positions(
            instance.position_id if instance.pk else None
        )


class RequirementForm(RevisionMixin, forms.ModelForm):
    weight = forms.TypedChoiceField(
        label=_("Weight"),
        choices=[(1, "1"), (2, "2"), (3, "3")],
        coerce=int,
        initial=1,
        help_text=_("1 = nice to have, 3 = essential."),
    )

    class Meta:
        model = Requirement
        fields = ["text", "kind", "weight", "critical", "auditable"]
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, kinds: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if kinds is not None:
            field = self.fields["kind"]
            field.choices = [choice for choice in field.choices if choice[0] in kinds]  # type: ignore[attr-defined]


class PublishForm(forms.Form):
    change_note = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Shown on top of the comparison and to everybody asked to read the changes."),
    )


class BookForm(forms.Form):
    name = forms.CharField(label=_("Name of the book"), max_length=200)

"""Forms for the journey map. Plain forms: the services validate and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import EditFormMixin
from roles.models import Employee, Position

from .models import Channel, Journey, Situation, SituationKind, Stage, Step
from .selectors import journey_stages, journey_steps, owners_for_choice, positions_for_choice


class MapForm(EditFormMixin, forms.Form):
    """Shared behaviour of the map's forms: the revision marker, focus, what is saved now
    (core.forms.EditFormMixin)."""

    def _choices(self, name: str) -> forms.ModelChoiceField:
        return cast(forms.ModelChoiceField, self.fields[name])


def _name_field(max_length: int = 200) -> forms.CharField:
    return forms.CharField(label=_("Name"), max_length=max_length)


def _description_field() -> forms.CharField:
    return forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class JourneyForm(MapForm):
    name = _name_field()
    description = _description_field()

    def __init__(self, *args: Any, instance: Journey | None = None, **kwargs: Any) -> None:
        if instance is not None:
            initial = kwargs.setdefault("initial", {})
            initial.setdefault("name", instance.name)
            initial.setdefault("description", instance.description)
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class StageForm(MapForm):
    name = _name_field()

    def __init__(self, *args: Any, instance: Stage | None = None, **kwargs: Any) -> None:
        if instance is not None:
            kwargs.setdefault("initial", {}).setdefault("name", instance.name)
        super().__init__(*args, instance=instance, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class OwnerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Employee) -> str:
        label = f"{obj.full_name} ({obj.position.name})"
        if not obj.is_active:
            label = f"{label} — {_('inactive')}"
        return label


class PositionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Position) -> str:
        return obj.name if obj.is_active else f"{obj.name} — {_('inactive')}"


class StepChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Step) -> str:
        return f"{obj.stage.name} → {obj.name}"


class StepForm(MapForm):
    """Add a step to a stage, or edit one (then the stage can change: "move to stage")."""

    stage = forms.ModelChoiceField(
        label=_("Stage"), queryset=Stage.objects.none(), empty_label=None
    )
    name = _name_field()
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    responsible_position = PositionChoiceField(
        label=_("Responsible position"), queryset=Position.objects.none()
    )
    owner = OwnerChoiceField(
        label=_("Owner"),
        queryset=Employee.objects.none(),
        required=False,
        empty_label=_("No particular owner"),
        help_text=_("Optional: the one employee who answers for this step."),
    )
    description = _description_field()

    # "Move to stage" is the rarer change: last, after what describes the step.
    field_order = ["name", "channel", "responsible_position", "owner", "description", "stage"]

    def __init__(
        self, *args: Any, journey: Journey, instance: Step | None = None, **kwargs: Any
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            for key, value in {
                "stage": instance.stage_id,
                "name": instance.name,
                "channel": instance.channel,
                "responsible_position": instance.responsible_position_id,
                "owner": instance.owner_id,
                "description": instance.description,
            }.items():
                initial.setdefault(key, value)
        super().__init__(*args, instance=instance, **kwargs)
        if instance is None:
            del self.fields["stage"]
        else:
            self._choices("stage").queryset = journey_stages(journey)
            self.fields["stage"].help_text = _("Choose another stage to move the step there.")
        self._choices("responsible_position").queryset = positions_for_choice(
            instance.responsible_position if instance else None
        )
        self._choices("owner").queryset = owners_for_choice(instance.owner if instance else None)
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class SituationForm(MapForm):
    """Add a situation (its step, or none, comes from where it is added) or edit one."""

    step = StepChoiceField(
        label=_("Step"),
        queryset=Step.objects.none(),
        required=False,
        empty_label=_("Across the journey (no particular step)"),
    )
    name = _name_field(max_length=300)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=SituationKind.choices,
        initial=SituationKind.ROUTINE,
        help_text=_("Negative: something went wrong for the customer and must be put right."),
    )
    responsible_position = PositionChoiceField(
        label=_("Responsible position"), queryset=Position.objects.none()
    )
    description = _description_field()

    field_order = ["name", "kind", "responsible_position", "description", "step"]

    def __init__(
        self,
        *args: Any,
        journey: Journey,
        instance: Situation | None = None,
        default_position: Position | None = None,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        if instance is not None:
            for key, value in {
                "step": instance.step_id,
                "name": instance.name,
                "kind": instance.kind,
                "responsible_position": instance.responsible_position_id,
                "description": instance.description,
            }.items():
                initial.setdefault(key, value)
        elif default_position is not None:
            initial.setdefault("responsible_position", default_position.pk)
        super().__init__(*args, instance=instance, **kwargs)
        if instance is None:
            del self.fields["step"]
        else:
            self._choices("step").queryset = journey_steps(journey)
        self._choices("responsible_position").queryset = positions_for_choice(
            instance.responsible_position if instance else None
        )
        self.fields["name"].widget.attrs["autocomplete"] = "off"


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])

"""Writes to the journey map. Each one runs in a transaction and leaves an activity row.

Order: stages within a journey, steps within a stage and situations within their step
(or within the journey's cross-cutting list) are numbered 0, 1, 2 ... without gaps.
Every write that adds, removes or moves an item renumbers its siblings, so "move up"
always swaps with the visible neighbour.

Edits may carry the `updated_at` the editor saw; when the row changed since, the edit
is refused with `core.edits.EditConflict` instead of silently overwriting the newer version.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils.functional import Promise as StrPromise
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.activity import activity_record
from core.edits import (
    Direction,
    Revision,
    edit_lock,
    model_create,
    model_update,
    move,
    renumber,
    set_active,
)
from core.types import Actor
from roles.models import Employee, Position

from .models import Channel, Journey, Situation, SituationKind, Stage, Step

# How many of the records that block a deletion are named in the refusal.
USED_BY_SHOWN = 20

OrderedModel = TypeVar("OrderedModel", Stage, Step, Situation)


class DeletionRefusedError(ValidationError):
    """The object is still used by other records; `used_by` names them."""

    def __init__(self, instance: models.Model, used_by: list[str]) -> None:
        super().__init__(
            _("“%(name)s” cannot be removed while other records use it: %(used_by)s.")
            % {"name": str(instance), "used_by": "; ".join(used_by)}
        )
        self.instance = instance
        self.used_by = used_by


# Shared helpers --------------------------------------------------------------


def _describe_users(protected_objects: Iterable[models.Model]) -> list[str]:
    """'verbose name: str(object)' for each record that blocks a deletion, sorted."""
    described = sorted(f"{capfirst(obj._meta.verbose_name)}: {obj}" for obj in protected_objects)
    if len(described) > USED_BY_SHOWN:
        hidden = len(described) - USED_BY_SHOWN
        described = [
            *described[:USED_BY_SHOWN],
            _("… and %(count)d more") % {"count": hidden},
        ]
    return described


def _delete_or_refuse(instance: models.Model) -> None:
    try:
        # A savepoint, so a refusal leaves the surrounding transaction usable.
        with transaction.atomic():
            instance.delete()
    except ProtectedError as error:
        raise DeletionRefusedError(instance, _describe_users(error.protected_objects)) from error


def _locked(queryset: QuerySet[OrderedModel]) -> list[OrderedModel]:
    return list(queryset.select_for_update().order_by("order", "id"))


def _require_channel(channel: str) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Choose one of the channels offered.")})


def _require_kind(kind: str) -> None:
    if kind not in SituationKind.values:
        raise ValidationError({"kind": _("Choose one of the kinds offered.")})


def _require_active_owner(owner: Employee | None) -> None:
    if owner is not None and not owner.is_active:
        raise ValidationError(
            {
                "owner": _("“%(name)s” is no longer active: choose an active employee.")
                % {"name": owner.full_name}
            }
        )


def _require_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned:
        raise ValidationError({"name": _("Give it a name.")})
    return cleaned


# Journeys --------------------------------------------------------------------


@transaction.atomic
def journey_create(*, actor: Actor, name: str, description: str = "") -> Journey:
    journey = Journey(name=_require_name(name), description=description.strip())
    return model_create(
        actor=actor,
        instance=journey,
        message=gettext_lazy("Journey “%(name)s” created"),
        params={"name": journey.name},
    )


@transaction.atomic
def journey_update(
    *,
    actor: Actor,
    journey: Journey,
    name: str,
    description: str,
    expected_updated_at: Revision | None = None,
) -> Journey:
    edit_lock(Journey, journey.pk, expected=expected_updated_at)
    changes = model_update(
        instance=journey,
        data={"name": _require_name(name), "description": description.strip()},
    )
    if changes:
        activity_record(
            actor=actor,
            action="journey.update",
            target=journey,
            message=gettext_lazy("Journey “%(name)s” changed"),
            params={"name": journey.name},
            data={"changes": changes},
        )
    return journey


@transaction.atomic
def journey_set_active(*, actor: Actor, journey: Journey, is_active: bool) -> Journey:
    """Deactivated journeys stay on record but drop out of everybody's duties."""
    return set_active(
        actor=actor,
        instance=journey,
        is_active=is_active,
        message=(
            gettext_lazy("Journey “%(name)s” reactivated")
            if is_active
            else gettext_lazy("Journey “%(name)s” deactivated")
        ),
        params={"name": journey.name},
    )


# Stages ----------------------------------------------------------------------


def _stage_siblings(journey_id: int) -> list[Stage]:
    return _locked(Stage.objects.filter(journey_id=journey_id))


@transaction.atomic
def stage_create(*, actor: Actor, journey: Journey, name: str) -> Stage:
    """Add a stage at the end of the journey."""
    siblings = _stage_siblings(journey.pk)
    renumber(siblings)
    stage = Stage(journey=journey, name=_require_name(name), order=len(siblings))
    return model_create(
        actor=actor,
        instance=stage,
        message=gettext_lazy("Stage “%(name)s” added to “%(journey)s”"),
        params={"name": stage.name, "journey": journey.name},
    )


@transaction.atomic
def stage_update(
    *,
    actor: Actor,
    stage: Stage,
    name: str,
    expected_updated_at: Revision | None = None,
) -> Stage:
    edit_lock(Stage, stage.pk, expected=expected_updated_at)
    changes = model_update(instance=stage, data={"name": _require_name(name)})
    if changes:
        activity_record(
            actor=actor,
            action="stage.update",
            target=stage,
            message=gettext_lazy("Stage “%(name)s” changed"),
            params={"name": stage.name},
            data={"changes": changes},
        )
    return stage


@transaction.atomic
def stage_delete(*, actor: Actor, stage: Stage) -> None:
    """Remove an empty stage. A stage that still has steps is refused (DeletionRefusedError)."""
    journey_id, name, pk = stage.journey_id, stage.name, stage.pk
    _delete_or_refuse(stage)
    stage.pk = pk
    activity_record(
        actor=actor,
        action="stage.delete",
        target=stage,
        message=gettext_lazy("Stage “%(name)s” removed"),
        params={"name": name},
    )
    renumber(_stage_siblings(journey_id))


@transaction.atomic
def stage_move(*, actor: Actor, stage: Stage, direction: Direction) -> Stage:
    if move(_stage_siblings(stage.journey_id), stage, direction):
        activity_record(
            actor=actor,
            action="stage.move",
            target=stage,
            message=gettext_lazy("Stage “%(name)s” moved %(direction)s"),
            params={"name": stage.name, "direction": _direction_label(direction)},
        )
    return stage


def _direction_label(direction: Direction) -> StrPromise:
    return gettext_lazy("up") if direction == "up" else gettext_lazy("down")


# Steps -----------------------------------------------------------------------


def _step_siblings(stage_id: int) -> list[Step]:
    return _locked(Step.objects.filter(stage_id=stage_id))


@transaction.atomic
def step_create(
    *,
    actor: Actor,
    stage: Stage,
    name: str,
    channel: str,
    responsible_position: Position,
    owner: Employee | None = None,
    description: str = "",
) -> Step:
    """Add a step at the end of a stage. The owner, when given, must be an active employee."""
    _require_channel(channel)
    _require_active_owner(owner)
    siblings = _step_siblings(stage.pk)
    renumber(siblings)
    step = Step(
        stage=stage,
        name=_require_name(name),
        description=description.strip(),
        channel=channel,
        responsible_position=responsible_position,
        owner=owner,
        order=len(siblings),
    )
    return model_create(
        actor=actor,
        instance=step,
        message=gettext_lazy("Step “%(name)s” added to stage “%(stage)s”"),
        params={"name": step.name, "stage": stage.name},
    )


@transaction.atomic
def step_update(
    *,
    actor: Actor,
    step: Step,
    stage: Stage,
    name: str,
    channel: str,
    responsible_position: Position,
    owner: Employee | None,
    description: str,
    expected_updated_at: Revision | None = None,
) -> Step:
    """Change a step; a new stage (of the same journey) puts it at the end of that stage."""
    current = edit_lock(Step, step.pk, expected=expected_updated_at)
    _require_channel(channel)
    if current.owner_id != (owner.pk if owner else None):
        # An owner chosen earlier may since have left; only a new choice must be active.
        _require_active_owner(owner)
    old_stage = Stage.objects.get(pk=current.stage_id)
    if stage.journey_id != old_stage.journey_id:
        raise ValidationError(
            {"stage": _("A step can only move between stages of its own journey.")}
        )
    values: dict[str, Any] = {
        "stage": stage,
        "name": _require_name(name),
        "description": description.strip(),
        "channel": channel,
        "responsible_position": responsible_position,
        "owner": owner,
    }
    moved = old_stage.pk != stage.pk
    if moved:
        new_siblings = _step_siblings(stage.pk)
        renumber(new_siblings)
        values["order"] = len(new_siblings)
    changes = model_update(instance=step, data=values)
    # Its place at the end of the new stage follows from the move: not an edit of its own.
    changes.pop("order", None)
    if moved:
        renumber(_step_siblings(old_stage.pk))
    if changes:
        activity_record(
            actor=actor,
            action="step.update",
            target=step,
            message=gettext_lazy("Step “%(name)s” changed"),
            params={"name": step.name},
            data={"changes": changes},
        )
    return step


@transaction.atomic
def step_delete(*, actor: Actor, step: Step) -> None:
    """Remove a step nobody uses. Situations or standards at the step block it."""
    stage_id, name, pk = step.stage_id, step.name, step.pk
    _delete_or_refuse(step)
    step.pk = pk
    activity_record(
        actor=actor,
        action="step.delete",
        target=step,
        message=gettext_lazy("Step “%(name)s” removed"),
        params={"name": name},
    )
    renumber(_step_siblings(stage_id))


@transaction.atomic
def step_move(*, actor: Actor, step: Step, direction: Direction) -> Step:
    if move(_step_siblings(step.stage_id), step, direction):
        activity_record(
            actor=actor,
            action="step.move",
            target=step,
            message=gettext_lazy("Step “%(name)s” moved %(direction)s"),
            params={"name": step.name, "direction": _direction_label(direction)},
        )
    return step


# Situations ------------------------------------------------------------------


def _situation_siblings(journey_id: int, step_id: int | None) -> list[Situation]:
    """Situations of one step, or the journey's cross-cutting ones when step_id is None."""
    if step_id is None:
        return _locked(Situation.objects.filter(journey_id=journey_id, step__isnull=True))
    return _locked(Situation.objects.filter(step_id=step_id))


def _require_step_in_journey(step: Step | None, journey: Journey) -> None:
    if step is not None and step.stage.journey_id != journey.pk:
        raise ValidationError(
            {
                "step": _("The step belongs to another journey: choose a step of “%(journey)s”.")
                % {"journey": journey.name}
            }
        )


@transaction.atomic
def situation_create(
    *,
    actor: Actor,
    journey: Journey,
    name: str,
    kind: str,
    responsible_position: Position,
    step: Step | None = None,
    description: str = "",
) -> Situation:
    """Add a situation at the end of its step, or of the cross-cutting list (no step)."""
    _require_kind(kind)
    _require_step_in_journey(step, journey)
    siblings = _situation_siblings(journey.pk, step.pk if step else None)
    renumber(siblings)
    situation = Situation(
        journey=journey,
        step=step,
        name=_require_name(name),
        description=description.strip(),
        kind=kind,
        responsible_position=responsible_position,
        order=len(siblings),
    )
    return model_create(
        actor=actor,
        instance=situation,
        message=(
            gettext_lazy("Situation “%(name)s” added to step “%(step)s”")
            if step
            else gettext_lazy("Cross-cutting situation “%(name)s” added to “%(journey)s”")
        ),
        params={"name": situation.name, "step": step.name if step else "", "journey": journey.name},
    )


@transaction.atomic
def situation_update(
    *,
    actor: Actor,
    situation: Situation,
    step: Step | None,
    name: str,
    kind: str,
    responsible_position: Position,
    description: str,
    expected_updated_at: Revision | None = None,
) -> Situation:
    """Change a situation; a new step (or none) puts it at the end of that list."""
    current = edit_lock(Situation, situation.pk, expected=expected_updated_at)
    _require_kind(kind)
    journey = Journey.objects.get(pk=current.journey_id)
    _require_step_in_journey(step, journey)
    values: dict[str, Any] = {
        "step": step,
        "name": _require_name(name),
        "description": description.strip(),
        "kind": kind,
        "responsible_position": responsible_position,
    }
    old_step_id = current.step_id
    moved = old_step_id != (step.pk if step else None)
    if moved:
        new_siblings = _situation_siblings(journey.pk, step.pk if step else None)
        renumber(new_siblings)
        values["order"] = len(new_siblings)
    changes = model_update(instance=situation, data=values)
    changes.pop("order", None)
    if moved:
        renumber(_situation_siblings(journey.pk, old_step_id))
    if changes:
        activity_record(
            actor=actor,
            action="situation.update",
            target=situation,
            message=gettext_lazy("Situation “%(name)s” changed"),
            params={"name": situation.name},
            data={"changes": changes},
        )
    return situation


@transaction.atomic
def situation_delete(*, actor: Actor, situation: Situation) -> None:
    journey_id, step_id, name, pk = (
        situation.journey_id,
        situation.step_id,
        situation.name,
        situation.pk,
    )
    _delete_or_refuse(situation)
    situation.pk = pk
    activity_record(
        actor=actor,
        action="situation.delete",
        target=situation,
        message=gettext_lazy("Situation “%(name)s” removed"),
        params={"name": name},
    )
    renumber(_situation_siblings(journey_id, step_id))


@transaction.atomic
def situation_move(*, actor: Actor, situation: Situation, direction: Direction) -> Situation:
    siblings = _situation_siblings(situation.journey_id, situation.step_id)
    if move(siblings, situation, direction):
        activity_record(
            actor=actor,
            action="situation.move",
            target=situation,
            message=gettext_lazy("Situation “%(name)s” moved %(direction)s"),
            params={"name": situation.name, "direction": _direction_label(direction)},
        )
    return situation

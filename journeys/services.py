"""Writes to the journey map. Each one runs in a transaction and leaves an activity row.

Order: stages within a journey, steps within a stage and situations within their step
(or within the journey's cross-cutting list) are numbered 0, 1, 2 ... without gaps.
Every write that adds, removes or moves an item renumbers its siblings, so "move up"
always swaps with the visible neighbour.

Edits may carry the `updated_at` the editor saw; when the row changed since, the edit
is refused with `StaleEditError` instead of silently overwriting the newer version.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from roles.models import Employee, Position
from roles.services import activity_record

from .models import Channel, Journey, Situation, SituationKind, Stage, Step

MoveDirection = Literal["up", "down"]
MOVE_DIRECTIONS: tuple[MoveDirection, ...] = ("up", "down")

# How many of the records that block a deletion are named in the refusal.
USED_BY_SHOWN = 20

OrderedModel = TypeVar("OrderedModel", Stage, Step, Situation)


class StaleEditError(Exception):
    """Someone saved the object after the editor loaded it; nothing was written."""

    def __init__(self, current: models.Model) -> None:
        super().__init__(_("Someone else changed this while you were editing it."))
        self.current = current


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


def _check_fresh(
    model: type[OrderedModel], pk: int, expected_updated_at: datetime.datetime | None
) -> OrderedModel:
    """Lock the row and refuse the edit when it changed after the editor loaded it."""
    current = model.objects.select_for_update().get(pk=pk)
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise StaleEditError(current)
    return current


def _renumber(items: Sequence[OrderedModel]) -> None:
    """Give the items the orders 0..n-1 in the sequence given, writing only changes.

    A plain UPDATE, not save(): reordering is not an edit of the item, so its
    `updated_at` (the stale-edit marker) stays as it is.
    """
    for index, item in enumerate(items):
        if item.order != index:
            item.order = index
            type(item).objects.filter(pk=item.pk).update(order=index)


def _move(items: list[OrderedModel], item: OrderedModel, direction: MoveDirection) -> bool:
    """Swap the item with its neighbour in the direction given; False at either end."""
    if direction not in MOVE_DIRECTIONS:
        raise ValidationError(_("Choose whether to move up or down."))
    index = next(position for position, other in enumerate(items) if other.pk == item.pk)
    neighbour = index - 1 if direction == "up" else index + 1
    if neighbour < 0 or neighbour >= len(items):
        _renumber(items)
        return False
    items[index], items[neighbour] = items[neighbour], items[index]
    _renumber(items)
    item.order = next(other.order for other in items if other.pk == item.pk)
    return True


def _locked(queryset: QuerySet[OrderedModel]) -> list[OrderedModel]:
    return list(queryset.select_for_update().order_by("order", "id"))


def _changed(instance: models.Model, values: dict[str, Any]) -> dict[str, list[str]]:
    changes: dict[str, list[str]] = {}
    for field, new in values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [str(old), str(new)]
    return changes


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
def journey_create(*, actor: Any, name: str, description: str = "") -> Journey:
    journey = Journey(name=_require_name(name), description=description.strip())
    journey.full_clean()
    journey.save()
    activity_record(
        actor=actor,
        action="journey.create",
        target=journey,
        summary=_("Journey “%(name)s” created") % {"name": journey.name},
    )
    return journey


@transaction.atomic
def journey_update(
    *,
    actor: Any,
    journey: Journey,
    name: str,
    description: str,
    expected_updated_at: datetime.datetime | None = None,
) -> Journey:
    current = Journey.objects.select_for_update().get(pk=journey.pk)
    if expected_updated_at is not None and current.updated_at != expected_updated_at:
        raise StaleEditError(current)
    values = {"name": _require_name(name), "description": description.strip()}
    changes = _changed(current, values)
    for field, value in values.items():
        setattr(journey, field, value)
    journey.full_clean()
    journey.save(update_fields=["name", "description", "updated_at"])
    if changes:
        activity_record(
            actor=actor,
            action="journey.update",
            target=journey,
            summary=_("Journey “%(name)s” changed") % {"name": journey.name},
            data={"changes": changes},
        )
    return journey


@transaction.atomic
def journey_set_active(*, actor: Any, journey: Journey, is_active: bool) -> Journey:
    """Deactivated journeys stay on record but drop out of everybody's duties."""
    journey.is_active = is_active
    journey.save(update_fields=["is_active", "updated_at"])
    activity_record(
        actor=actor,
        action="journey.activate" if is_active else "journey.deactivate",
        target=journey,
        summary=(
            _("Journey “%(name)s” reactivated")
            if is_active
            else _("Journey “%(name)s” deactivated")
        )
        % {"name": journey.name},
    )
    return journey


# Stages ----------------------------------------------------------------------


def _stage_siblings(journey_id: int) -> list[Stage]:
    return _locked(Stage.objects.filter(journey_id=journey_id))


@transaction.atomic
def stage_create(*, actor: Any, journey: Journey, name: str) -> Stage:
    """Add a stage at the end of the journey."""
    siblings = _stage_siblings(journey.pk)
    _renumber(siblings)
    stage = Stage(journey=journey, name=_require_name(name), order=len(siblings))
    stage.full_clean()
    stage.save()
    activity_record(
        actor=actor,
        action="stage.create",
        target=stage,
        summary=_("Stage “%(name)s” added to “%(journey)s”")
        % {"name": stage.name, "journey": journey.name},
    )
    return stage


@transaction.atomic
def stage_update(
    *,
    actor: Any,
    stage: Stage,
    name: str,
    expected_updated_at: datetime.datetime | None = None,
) -> Stage:
    current = _check_fresh(Stage, stage.pk, expected_updated_at)
    changes = _changed(current, {"name": _require_name(name)})
    stage.name = _require_name(name)
    stage.full_clean()
    stage.save(update_fields=["name", "updated_at"])
    if changes:
        activity_record(
            actor=actor,
            action="stage.update",
            target=stage,
            summary=_("Stage “%(name)s” changed") % {"name": stage.name},
            data={"changes": changes},
        )
    return stage


@transaction.atomic
def stage_delete(*, actor: Any, stage: Stage) -> None:
    """Remove an empty stage. A stage that still has steps is refused (DeletionRefusedError)."""
    journey_id, name, pk = stage.journey_id, stage.name, stage.pk
    _delete_or_refuse(stage)
    stage.pk = pk
    activity_record(
        actor=actor,
        action="stage.delete",
        target=stage,
        summary=_("Stage “%(name)s” removed") % {"name": name},
    )
    _renumber(_stage_siblings(journey_id))


@transaction.atomic
def stage_move(*, actor: Any, stage: Stage, direction: MoveDirection) -> Stage:
    if _move(_stage_siblings(stage.journey_id), stage, direction):
        activity_record(
            actor=actor,
            action="stage.move",
            target=stage,
            summary=_("Stage “%(name)s” moved %(direction)s")
            % {"name": stage.name, "direction": _direction_label(direction)},
        )
    return stage


def _direction_label(direction: MoveDirection) -> str:
    return _("up") if direction == "up" else _("down")


# Steps -----------------------------------------------------------------------


def _step_siblings(stage_id: int) -> list[Step]:
    return _locked(Step.objects.filter(stage_id=stage_id))


@transaction.atomic
def step_create(
    *,
    actor: Any,
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
    _renumber(siblings)
    step = Step(
        stage=stage,
        name=_require_name(name),
        description=description.strip(),
        channel=channel,
        responsible_position=responsible_position,
        owner=owner,
        order=len(siblings),
    )
    step.full_clean()
    step.save()
    activity_record(
        actor=actor,
        action="step.create",
        target=step,
        summary=_("Step “%(name)s” added to stage “%(stage)s”")
        % {"name": step.name, "stage": stage.name},
    )
    return step


@transaction.atomic
def step_update(
    *,
    actor: Any,
    step: Step,
    stage: Stage,
    name: str,
    channel: str,
    responsible_position: Position,
    owner: Employee | None,
    description: str,
    expected_updated_at: datetime.datetime | None = None,
) -> Step:
    """Change a step; a new stage (of the same journey) puts it at the end of that stage."""
    current = _check_fresh(Step, step.pk, expected_updated_at)
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
    changes = _changed(current, values)
    for field, value in values.items():
        setattr(step, field, value)
    update_fields = [*values, "updated_at"]
    moved = old_stage.pk != stage.pk
    if moved:
        new_siblings = _step_siblings(stage.pk)
        _renumber(new_siblings)
        step.order = len(new_siblings)
        update_fields.append("order")
    step.full_clean()
    step.save(update_fields=update_fields)
    if moved:
        _renumber(_step_siblings(old_stage.pk))
    if changes:
        activity_record(
            actor=actor,
            action="step.update",
            target=step,
            summary=_("Step “%(name)s” changed") % {"name": step.name},
            data={"changes": changes},
        )
    return step


@transaction.atomic
def step_delete(*, actor: Any, step: Step) -> None:
    """Remove a step nobody uses. Situations or standards at the step block it."""
    stage_id, name, pk = step.stage_id, step.name, step.pk
    _delete_or_refuse(step)
    step.pk = pk
    activity_record(
        actor=actor,
        action="step.delete",
        target=step,
        summary=_("Step “%(name)s” removed") % {"name": name},
    )
    _renumber(_step_siblings(stage_id))


@transaction.atomic
def step_move(*, actor: Any, step: Step, direction: MoveDirection) -> Step:
    if _move(_step_siblings(step.stage_id), step, direction):
        activity_record(
            actor=actor,
            action="step.move",
            target=step,
            summary=_("Step “%(name)s” moved %(direction)s")
            % {"name": step.name, "direction": _direction_label(direction)},
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
    actor: Any,
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
    _renumber(siblings)
    situation = Situation(
        journey=journey,
        step=step,
        name=_require_name(name),
        description=description.strip(),
        kind=kind,
        responsible_position=responsible_position,
        order=len(siblings),
    )
    situation.full_clean()
    situation.save()
    activity_record(
        actor=actor,
        action="situation.create",
        target=situation,
        summary=(
            _("Situation “%(name)s” added to step “%(step)s”")
            % {"name": situation.name, "step": step.name}
            if step
            else _("Cross-cutting situation “%(name)s” added to “%(journey)s”")
            % {"name": situation.name, "journey": journey.name}
        ),
    )
    return situation


@transaction.atomic
def situation_update(
    *,
    actor: Any,
    situation: Situation,
    step: Step | None,
    name: str,
    kind: str,
    responsible_position: Position,
    description: str,
    expected_updated_at: datetime.datetime | None = None,
) -> Situation:
    """Change a situation; a new step (or none) puts it at the end of that list."""
    current = _check_fresh(Situation, situation.pk, expected_updated_at)
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
    changes = _changed(current, values)
    for field, value in values.items():
        setattr(situation, field, value)
    update_fields = [*values, "updated_at"]
    old_step_id = current.step_id
    moved = old_step_id != (step.pk if step else None)
    if moved:
        new_siblings = _situation_siblings(journey.pk, step.pk if step else None)
        _renumber(new_siblings)
        situation.order = len(new_siblings)
        update_fields.append("order")
    situation.full_clean()
    situation.save(update_fields=update_fields)
    if moved:
        _renumber(_situation_siblings(journey.pk, old_step_id))
    if changes:
        activity_record(
            actor=actor,
            action="situation.update",
            target=situation,
            summary=_("Situation “%(name)s” changed") % {"name": situation.name},
            data={"changes": changes},
        )
    return situation


@transaction.atomic
def situation_delete(*, actor: Any, situation: Situation) -> None:
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
        summary=_("Situation “%(name)s” removed") % {"name": name},
    )
    _renumber(_situation_siblings(journey_id, step_id))


@transaction.atomic
def situation_move(*, actor: Any, situation: Situation, direction: MoveDirection) -> Situation:
    siblings = _situation_siblings(situation.journey_id, situation.step_id)
    if _move(siblings, situation, direction):
        activity_record(
            actor=actor,
            action="situation.move",
            target=situation,
            summary=_("Situation “%(name)s” moved %(direction)s")
            % {"name": situation.name, "direction": _direction_label(direction)},
        )
    return situation

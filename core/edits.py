"""Writes that every app makes the same way: guarded edits, updates, activation, order.

- `EditConflict` / `edit_lock`: an edit carries the revision marker the editor saw
  (`updated_at`, or an integer `revision`); when the stored row moved on since, the
  edit is refused and nothing is written.
- `model_create`: validate, save and record a new object.
- `model_update`: set the fields that changed, validate, save only those fields, and
  say what changed (for the history entry).
- `set_active`: switch an object on or off with its history entry.
- `move` / `renumber`: keep siblings numbered without gaps and swap neighbours.

Callers run these inside their own `transaction.atomic` service, next to their own
rules; nothing here records anything a caller did not ask for.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from typing import Any, Literal, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .activity import Params, activity_record
from .types import Actor

M = TypeVar("M", bound=models.Model)
Direction = Literal["up", "down"]
DIRECTIONS: tuple[Direction, ...] = ("up", "down")
Revision = datetime.datetime | int
Changes = dict[str, list[str]]


class EditConflict(Exception):
    """Someone else saved the object after the editor opened it; nothing was written.

    `current` is the object as it is stored now, to show beside what was typed.
    """

    def __init__(self, current: models.Model) -> None:
        super().__init__(_("Someone else changed this while you were editing it."))
        self.current = current


def revision_field(model: type[models.Model] | models.Model) -> str:
    """The field that tells one saved version from the next: an integer `revision`
    where the model keeps one, else `updated_at`."""
    names = {field.name for field in model._meta.concrete_fields}
    return "revision" if "revision" in names else "updated_at"


def revision_of(instance: models.Model) -> Revision:
    value: Revision = getattr(instance, revision_field(instance))
    return value


def edit_lock(model: type[M], pk: Any, *, expected: Revision | None) -> M:
    """Lock the row for the rest of the transaction and refuse a stale edit.

    The lock comes first (a no-op on SQLite, which writes one at a time), so two saves
    of the same form cannot both pass the check. `expected` is the revision the editor
    saw; None means the editor sent none and nothing is compared.
    """
    current = model._default_manager.select_for_update().get(pk=pk)
    if expected is not None and revision_of(current) != expected:
        raise EditConflict(current)
    return current


def changes_between(instance: models.Model, data: Mapping[str, Any]) -> Changes:
    """{field: [old, new]} for the values that differ from the instance's."""
    changes: Changes = {}
    for field, new in data.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = [_shown(old), _shown(new)]
    return changes


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def model_update(
    *,
    instance: M,
    data: Mapping[str, Any],
    clean_exclude: Sequence[str] = (),
) -> Changes:
    """Set the fields of `data` that differ, validate the object and save those fields.

    The shape of HackSoft's Django-Styleguide `model_update`: `updated_at` (auto_now)
    is saved with any change, so the next stale edit is recognised (a model that keeps
    an integer `revision` counts it up in its own `save`). Returns what changed,
    {field: [old, new]}; nothing is written when nothing changed.
    """
    changes = changes_between(instance, data)
    if not changes:
        return changes
    for field, value in data.items():
        setattr(instance, field, value)
    instance.full_clean(exclude=list(clean_exclude) or None)
    update_fields = [instance._meta.get_field(field).name for field in changes]
    if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
        update_fields.append("updated_at")
    instance.save(update_fields=update_fields)
    return changes


def model_create(
    *,
    actor: Actor | None,
    instance: M,
    message: str | Promise,
    params: Params | None = None,
    data: dict[str, Any] | None = None,
    action: str = "",
    clean_exclude: Sequence[str] = (),
) -> M:
    """Validate a new object, save it and record its creation (as `action`, by default
    "<model>.create"), for the services that create one object under their own rules."""
    instance.full_clean(exclude=list(clean_exclude) or None)
    instance.save()
    activity_record(
        actor=actor,
        action=action or f"{instance._meta.model_name}.create",
        target=instance,
        message=message,
        params=params,
        data=data,
    )
    return instance


def set_active(
    *,
    actor: Actor | None,
    instance: M,
    is_active: bool,
    message: str | Promise,
    params: Params | None = None,
    data: dict[str, Any] | None = None,
    action: str = "",
) -> M:
    """Switch an object on or off and record it (as `action`, by default
    "<model>.activate" or "<model>.deactivate").

    The caller checks its own rules first (who may, what must be empty) and passes the
    history line for the direction chosen.
    """
    instance.is_active = is_active  # type: ignore[attr-defined]
    fields = ["is_active"]
    if any(field.name == "updated_at" for field in instance._meta.concrete_fields):
        fields.append("updated_at")
    instance.save(update_fields=fields)
    activity_record(
        actor=actor,
        action=action or f"{instance._meta.model_name}.{'activate' if is_active else 'deactivate'}",
        target=instance,
        message=message,
        params=params,
        data=data,
    )
    return instance


def renumber(items: Sequence[models.Model], *, start: int = 0) -> None:
    """Give the items the orders start, start+1 ... in the sequence given, writing only
    the changes.

    A plain UPDATE, not save(): reordering is not an edit of the item, so its revision
    marker stays as it is.
    """
    for index, item in enumerate(items, start=start):
        if item.order != index:  # type: ignore[attr-defined]
            item.order = index  # type: ignore[attr-defined]
            type(item)._default_manager.filter(pk=item.pk).update(order=index)


def move(items: list[M], item: M, direction: str, *, start: int = 0) -> bool:
    """Swap the item with its neighbour in the direction given and renumber the
    siblings; False (and nothing swapped) at either end.

    `items` are the siblings in their current order, locked by the caller.
    """
    if direction not in DIRECTIONS:
        raise ValidationError(_("Choose whether to move up or down."))
    index = next(position for position, other in enumerate(items) if other.pk == item.pk)
    neighbour = index - 1 if direction == "up" else index + 1
    if not 0 <= neighbour < len(items):
        renumber(items, start=start)
        return False
    items[index], items[neighbour] = items[neighbour], items[index]
    renumber(items, start=start)
    item.order = next(other.order for other in items if other.pk == item.pk)  # type: ignore[attr-defined]
    return True

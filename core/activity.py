"""The history log: record who changed what, read it back for one object.

Every service that changes shared data calls `activity_record` inside its own
transaction, so a change and its history line commit or roll back together.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models
from django.db.models import QuerySet
from django.utils import translation
from django.utils.functional import Promise

from .models import Activity, render_message
from .types import Actor

Params = Mapping[str, object]


def translatable(word: str | Promise) -> dict[str, str]:
    """A parameter that is itself a word to translate when the line is read
    (e.g. a status label): stored by its msgid."""
    return {"msgid": _msgid(word)}


def _msgid(message: str | Promise) -> str:
    # A lazy translation renders its msgid when no language is active.
    with translation.override(None):
        return str(message)


def _stored_params(params: Params | None) -> dict[str, Any]:
    stored: dict[str, Any] = {}
    for key, value in (params or {}).items():
        if isinstance(value, Promise):
            stored[key] = translatable(value)
        elif isinstance(value, str | int | float | bool | dict) or value is None:
            stored[key] = value
        else:
            stored[key] = str(value)
    return stored


def activity_build(
    *,
    actor: Actor | None,
    action: str,
    target: models.Model,
    message: str | Promise,
    params: Params | None = None,
    data: dict[str, Any] | None = None,
) -> Activity:
    """An unsaved history row, for `Activity.objects.bulk_create` in bulk writes.

    `message` is the line in the source language with `%(name)s` placeholders, marked
    for translation with `gettext_lazy` or `gettext_noop`; it is translated when read.
    """
    msgid = _msgid(message)
    stored = _stored_params(params)
    return Activity(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        summary=_source(msgid, stored)[:500],
        message=msgid[:500],
        params=stored,
        data=data or {},
    )


def _source(msgid: str, params: dict[str, Any]) -> str:
    with translation.override(None):
        return render_message(msgid, params)


def activity_record(
    *,
    actor: Actor | None,
    action: str,
    target: models.Model,
    message: str | Promise,
    params: Params | None = None,
    data: dict[str, Any] | None = None,
) -> Activity:
    """Record who did what to which object. Call inside the writing transaction."""
    entry = activity_build(
        actor=actor, action=action, target=target, message=message, params=params, data=data
    )
    entry.save()
    return entry


def activity_for(target: models.Model) -> QuerySet[Activity]:
    """The history of one object, newest first."""
    return Activity.objects.filter(
        target_type=target._meta.label_lower, target_id=str(target.pk)
    ).select_related("actor")

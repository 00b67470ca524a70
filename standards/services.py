"""Writes to the standards book.

Every function runs in one transaction, refuses a version that is not a draft
(VersionFrozen) and records an activity row. Edits carry the revision the editor
started from; if somebody saved in between, EditConflict is raised with the
current row and nothing is written.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.functional import Promise as StrPromise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import events
from core.activity import Params, activity_record
from core.edits import Direction, edit_lock, model_create, model_update, move
from core.types import Actor
from journeys.models import Situation, Step
from roles.models import Employee, Position

from .diff import book_diff
from .events import VersionPublished
from .models import (
    Acknowledgement,
    AppearanceStandard,
    Book,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    Term,
    VersionedContent,
    VersionFrozen,
    VersionStatus,
)
from .selectors import BookContents, book_contents

Content = TypeVar("Content", bound=VersionedContent)


class DraftExists(Exception):
    def __init__(self, draft: BookVersion) -> None:
        super().__init__(_("This book already has a draft: finish or discard it first."))
        self.draft = draft


# Versions ------------------------------------------------------------------------


def _lock_draft(version_id: int) -> BookVersion:
    """Lock the version row for the rest of the transaction and check it is a draft.

    The lock serializes edits with publishing, so no edit lands in a version that
    is being published.
    """
    version = BookVersion.objects.select_for_update().select_related("book").get(pk=version_id)
    if not version.is_draft:
        raise VersionFrozen()
    return version


@transaction.atomic
def book_create(*, actor: Actor, name: str) -> Book:
    """A new book with an empty first draft."""
    book = model_create(
        actor=actor,
        instance=Book(name=name.strip()),
        message=gettext_lazy("Standards book “%(name)s” created"),
        params={"name": name.strip()},
    )
    BookVersion.objects.create(book=book, number=1, created_by=_user(actor))
    return book


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


_COPY_SKIP = {"id", "version", "revision", "updated_at"}


def _copy_values(row: models.Model, **overrides: Any) -> dict[str, Any]:
    values = {
        field.attname: getattr(row, field.attname)
        for field in row._meta.concrete_fields
        if field.name not in _COPY_SKIP
    }
    values.update(overrides)
    return values


def _copy_rows(
    model: type[Content], rows: list[Any], draft: BookVersion, **remap: Any
) -> dict[int, int]:
    """Copy rows into the draft with their lineage keys; return old id -> new id."""
    copies = []
    for row in rows:
        overrides = {
            name: mapping.get(getattr(row, name))
            for name, mapping in remap.items()
            if getattr(row, name)
        }
        copies.append(model(version=draft, **_copy_values(row, **overrides)))
    model.objects.bulk_create(copies, batch_size=500)
    if copies and copies[0].pk is None:  # a backend that does not return ids
        by_key = dict(model.objects.filter(version=draft).values_list("lineage_key", "pk"))
        return {row.pk: by_key[row.lineage_key] for row in rows}
    return {row.pk: copy.pk for row, copy in zip(rows, copies, strict=True)}


@transaction.atomic
def version_new_draft(*, actor: Actor, book: Book) -> BookVersion:
    """A draft copied from the latest published version, lineage keys kept.

    A constant number of queries per kind of content (bulk inserts).
    """
    Book.objects.select_for_update().filter(pk=book.pk).first()
    existing = book.versions.filter(status=VersionStatus.DRAFT).first()
    if existing is not None:
        raise DraftExists(existing)
    source = book.versions.filter(status=VersionStatus.PUBLISHED).order_by("-number").first()
    number = (book.versions.aggregate(top=Max("number"))["top"] or 0) + 1
    draft = BookVersion.objects.create(
        book=book, number=number, created_from=source, created_by=_user(actor)
    )
    if source is not None:
        _copy_contents(source, draft)
    activity_record(
        actor=actor,
        action="book_version.new_draft",
        target=draft,
        message=gettext_lazy("Draft version %(number)s of “%(book)s” started"),
        params={"number": draft.number, "book": book.name},
        data={"created_from": source.number if source else None},
    )
    return draft


def _copy_contents(source: BookVersion, draft: BookVersion) -> None:
    _copy_rows(Term, list(Term.objects.filter(version=source)), draft)
    _copy_rows(GeneralProvision, list(GeneralProvision.objects.filter(version=source)), draft)
    principles = _copy_rows(Principle, list(Principle.objects.filter(version=source)), draft)
    communication = _copy_rows(
        CommunicationStandard, list(CommunicationStandard.objects.filter(version=source)), draft
    )
    appearance = _copy_rows(
        AppearanceStandard, list(AppearanceStandard.objects.filter(version=source)), draft
    )
    _copy_rows(
        Requirement,
        list(Requirement.objects.filter(version=source)),
        draft,
        principle_id=principles,
        communication_standard_id=communication,
        appearance_standard_id=appearance,
    )


@transaction.atomic
def version_discard(*, actor: Actor, version: BookVersion) -> None:
    """Throw a draft away with everything in it."""
    version = _lock_draft(version.pk)
    Requirement.objects.filter(version=version).delete()
    for model in (Term, GeneralProvision, Principle, CommunicationStandard, AppearanceStandard):
        model.objects.filter(version=version).delete()
    activity_record(
        actor=actor,
        action="book_version.discard",
        target=version,
        message=gettext_lazy("Draft version %(number)s of “%(book)s” discarded"),
        params={"number": version.number, "book": version.book.name},
    )
    version.delete()


def _empty_contents(version: BookVersion) -> BookContents:
    return BookContents(
        version=version, terms=[], provisions=[], principles=[], communication=[],
        appearance=[], requirements=[],
    )  # fmt: skip


@transaction.atomic
def version_publish(*, actor: Actor, version: BookVersion, change_note: str) -> BookVersion:
    """Publish a draft: archive the previous version, freeze this one, and ask every
    active employee whose standards changed to acknowledge it."""
    version = _lock_draft(version.pk)
    note = change_note.strip()
    if not note:
        raise ValidationError({"change_note": _("Say in a few words what changed.")})
    previous = (
        BookVersion.objects.select_for_update()
        .filter(book_id=version.book_id, status=VersionStatus.PUBLISHED)
        .first()
    )
    if previous is not None:
        previous.status = VersionStatus.ARCHIVED
        previous.save(update_fields=["status"])
    version.status = VersionStatus.PUBLISHED
    version.change_note = note
    version.published_at = timezone.now()
    version.published_by = _user(actor)
    version.save(update_fields=["status", "change_note", "published_at", "published_by"])
    asked = _acknowledgements_request(version, previous)
    activity_record(
        actor=actor,
        action="book_version.publish",
        target=version,
        message=gettext_lazy("Version %(number)s of “%(book)s” published"),
        params={"number": version.number, "book": version.book.name},
        data={
            "change_note": note,
            "archived": previous.number if previous else None,
            "acknowledgements_asked": asked,
        },
    )
    events.publish(
        VersionPublished(
            version_id=version.pk, previous_version_id=previous.pk if previous else None
        )
    )
    return version


def _acknowledgements_request(version: BookVersion, previous: BookVersion | None) -> int:
    old = book_contents(previous) if previous is not None else _empty_contents(version)
    audience = book_diff(old, book_contents(version)).audience()
    employees = Employee.objects.filter(is_active=True).values_list("pk", "position_id", "gender")
    rows = [
        Acknowledgement(version=version, base_version=previous, employee_id=pk)
        for pk, position_id, gender in employees
        if audience.includes(position_id, gender)
    ]
    Acknowledgement.objects.bulk_create(rows, batch_size=500)
    return len(rows)


@transaction.atomic
def acknowledgement_confirm(*, actor: Actor | None, employee: Employee) -> int:
    """The employee read what changed: every pending acknowledgement is confirmed."""
    pending = Acknowledgement.objects.filter(employee=employee, acknowledged_at__isnull=True)
    versions = list(pending.values_list("version__number", flat=True))
    count = pending.update(acknowledged_at=timezone.now())
    if count:
        activity_record(
            actor=actor,
            action="book_version.acknowledge",
            target=employee,
            message=gettext_lazy("%(name)s acknowledged the standards book"),
            params={"name": employee.full_name},
            data={"versions": versions},
        )
    return count


# Shared content helpers -------------------------------------------------------------


def _next_order(queryset: models.QuerySet[Any]) -> int:
    return int(queryset.aggregate(top=Max("order"))["top"] or 0) + 1


def _create(
    *,
    actor: Actor,
    instance: Content,
    action: str,
    message: StrPromise,
    params: Params,
    order_scope: models.QuerySet[Any] | None = None,
) -> Content:
    instance.version = _lock_draft(instance.version_id)
    if order_scope is not None:
        instance.order = _next_order(order_scope)  # type: ignore[attr-defined]
    return model_create(
        actor=actor, instance=instance, action=action, message=message, params=params
    )


def _update(
    *,
    actor: Actor,
    instance: Content,
    revision: int,
    values: dict[str, Any],
    action: str,
    message: StrPromise,
    params: Params,
) -> Content:
    """Apply `values` only if the stored row is still at `revision` (EditConflict if not)."""
    _lock_draft(instance.version_id)
    current = edit_lock(type(instance), instance.pk, expected=revision)
    changes = model_update(instance=current, data=values)
    if changes:
        activity_record(
            actor=actor,
            action=action,
            target=current,
            message=message,
            params=params,
            data={"changes": changes},
        )
    return current


def _delete(
    *, actor: Actor, instance: Content, action: str, message: StrPromise, params: Params
) -> None:
    _lock_draft(instance.version_id)
    activity_record(actor=actor, action=action, target=instance, message=message, params=params)
    instance.delete()


def _move(
    *, actor: Actor, instance: Content, scope: models.QuerySet[Any], direction: Direction
) -> None:
    """Swap with the neighbour above or below, renumbering the siblings 1..n."""
    _lock_draft(instance.version_id)
    if move(list(scope.order_by("order", "id")), instance, direction, start=1):
        activity_record(
            actor=actor,
            action=f"{instance._meta.model_name}.move",
            target=instance,
            message=gettext_lazy("“%(name)s” moved %(direction)s"),
            params={
                "name": str(instance)[:200],
                "direction": gettext_lazy("up") if direction == "up" else gettext_lazy("down"),
            },
        )


def _clean_text(value: str) -> str:
    return value.strip()


# Terms -------------------------------------------------------------------------------


@transaction.atomic
def term_create(*, actor: Actor, version: BookVersion, term: str, definition: str) -> Term:
    instance = Term(version=version, term=_clean_text(term), definition=_clean_text(definition))
    return _create(
        actor=actor,
        instance=instance,
        action="term.create",
        message=gettext_lazy("Term “%(term)s” added"),
        params={"term": instance.term},
    )


@transaction.atomic
def term_update(*, actor: Actor, term: Term, revision: int, name: str, definition: str) -> Term:
    return _update(
        actor=actor,
        instance=term,
        revision=revision,
        values={"term": _clean_text(name), "definition": _clean_text(definition)},
        action="term.update",
        message=gettext_lazy("Term “%(term)s” changed"),
        params={"term": name.strip()},
    )


@transaction.atomic
def term_delete(*, actor: Actor, term: Term) -> None:
    _delete(
        actor=actor,
        instance=term,
        action="term.delete",
        message=gettext_lazy("Term “%(term)s” removed"),
        params={"term": term.term},
    )


# General provisions -------------------------------------------------------------------


@transaction.atomic
def provision_create(
    *, actor: Actor, version: BookVersion, title: str, body: str
) -> GeneralProvision:
    instance = GeneralProvision(version=version, title=_clean_text(title), body=_clean_text(body))
    return _create(
        actor=actor,
        instance=instance,
        action="provision.create",
        message=gettext_lazy("General provision “%(title)s” added"),
        params={"title": instance.title},
        order_scope=GeneralProvision.objects.filter(version=version),
    )


@transaction.atomic
def provision_update(
    *, actor: Actor, provision: GeneralProvision, revision: int, title: str, body: str
) -> GeneralProvision:
    return _update(
        actor=actor,
        instance=provision,
        revision=revision,
        values={"title": _clean_text(title), "body": _clean_text(body)},
        action="provision.update",
        message=gettext_lazy("General provision “%(title)s” changed"),
        params={"title": title.strip()},
    )


@transaction.atomic
def provision_delete(*, actor: Actor, provision: GeneralProvision) -> None:
    _delete(
        actor=actor,
        instance=provision,
        action="provision.delete",
        message=gettext_lazy("General provision “%(title)s” removed"),
        params={"title": provision.title},
    )


@transaction.atomic
def provision_move(*, actor: Actor, provision: GeneralProvision, direction: Direction) -> None:
    _move(
        actor=actor,
        instance=provision,
        scope=GeneralProvision.objects.filter(version_id=provision.version_id),
        direction=direction,
    )


# Principles ---------------------------------------------------------------------------


@transaction.atomic
def principle_create(*, actor: Actor, version: BookVersion, title: str, text: str) -> Principle:
    instance = Principle(version=version, title=_clean_text(title), text=_clean_text(text))
    return _create(
        actor=actor,
        instance=instance,
        action="principle.create",
        message=gettext_lazy("Principle “%(title)s” added"),
        params={"title": instance.title},
        order_scope=Principle.objects.filter(version=version),
    )


@transaction.atomic
def principle_update(
    *, actor: Actor, principle: Principle, revision: int, title: str, text: str
) -> Principle:
    return _update(
        actor=actor,
        instance=principle,
        revision=revision,
        values={"title": _clean_text(title), "text": _clean_text(text)},
        action="principle.update",
        message=gettext_lazy("Principle “%(title)s” changed"),
        params={"title": title.strip()},
    )


@transaction.atomic
def principle_delete(*, actor: Actor, principle: Principle) -> None:
    _delete(
        actor=actor,
        instance=principle,
        action="principle.delete",
        message=gettext_lazy("Principle “%(title)s” removed"),
        params={"title": principle.title},
    )


@transaction.atomic
def principle_move(*, actor: Actor, principle: Principle, direction: Direction) -> None:
    _move(
        actor=actor,
        instance=principle,
        scope=Principle.objects.filter(version_id=principle.version_id),
        direction=direction,
    )


# Communication standards -------------------------------------------------------------


@transaction.atomic
def communication_standard_create(
    *,
    actor: Actor,
    version: BookVersion,
    position: Position,
    step: Step | None,
    situation: Situation | None,
    process: str = "",
) -> CommunicationStandard:
    instance = CommunicationStandard(
        version=version,
        position=position,
        step=step,
        situation=situation,
        process=_clean_text(process),
    )
    return _create(
        actor=actor,
        instance=instance,
        action="communication_standard.create",
        message=gettext_lazy("Communication standard “%(name)s” added"),
        params={"name": instance},
        order_scope=CommunicationStandard.objects.filter(version=version),
    )


@transaction.atomic
def communication_standard_update(
    *,
    actor: Actor,
    standard: CommunicationStandard,
    revision: int,
    position: Position,
    step: Step | None,
    situation: Situation | None,
    process: str,
) -> CommunicationStandard:
    return _update(
        actor=actor,
        instance=standard,
        revision=revision,
        values={
            "position": position,
            "step": step,
            "situation": situation,
            "process": _clean_text(process),
        },
        action="communication_standard.update",
        message=gettext_lazy("Communication standard “%(name)s” changed"),
        params={"name": standard},
    )


@transaction.atomic
def communication_standard_delete(*, actor: Actor, standard: CommunicationStandard) -> None:
    _delete(
        actor=actor,
        instance=standard,
        action="communication_standard.delete",
        message=gettext_lazy("Communication standard “%(name)s” removed"),
        params={"name": standard},
    )


@transaction.atomic
def communication_standard_move(
    *, actor: Actor, standard: CommunicationStandard, direction: Direction
) -> None:
    _move(
        actor=actor,
        instance=standard,
        scope=CommunicationStandard.objects.filter(version_id=standard.version_id),
        direction=direction,
    )


# Appearance standards ------------------------------------------------------------------


@transaction.atomic
def appearance_standard_create(
    *, actor: Actor, version: BookVersion, position: Position, gender: str, task: str
) -> AppearanceStandard:
    instance = AppearanceStandard(
        version=version, position=position, gender=gender, task=_clean_text(task)
    )
    return _create(
        actor=actor,
        instance=instance,
        action="appearance_standard.create",
        message=gettext_lazy("Appearance standard “%(name)s” added"),
        params={"name": instance},
        order_scope=AppearanceStandard.objects.filter(version=version),
    )


@transaction.atomic
def appearance_standard_update(
    *,
    actor: Actor,
    standard: AppearanceStandard,
    revision: int,
    position: Position,
    gender: str,
    task: str,
) -> AppearanceStandard:
    return _update(
        actor=actor,
        instance=standard,
        revision=revision,
        values={"position": position, "gender": gender, "task": _clean_text(task)},
        action="appearance_standard.update",
        message=gettext_lazy("Appearance standard “%(name)s” changed"),
        params={"name": standard},
    )


@transaction.atomic
def appearance_standard_delete(*, actor: Actor, standard: AppearanceStandard) -> None:
    _delete(
        actor=actor,
        instance=standard,
        action="appearance_standard.delete",
        message=gettext_lazy("Appearance standard “%(name)s” removed"),
        params={"name": standard},
    )


@transaction.atomic
def appearance_standard_move(
    *, actor: Actor, standard: AppearanceStandard, direction: Direction
) -> None:
    _move(
        actor=actor,
        instance=standard,
        scope=AppearanceStandard.objects.filter(version_id=standard.version_id),
        direction=direction,
    )


# Requirements ---------------------------------------------------------------------------

RequirementParent = CommunicationStandard | AppearanceStandard | Principle


def _parent_field(parent: RequirementParent) -> str:
    if isinstance(parent, CommunicationStandard):
        return "communication_standard"
    if isinstance(parent, AppearanceStandard):
        return "appearance_standard"
    return "principle"


def requirement_siblings(requirement: Requirement) -> models.QuerySet[Requirement]:
    field = f"{requirement.parent_field}_id"
    return Requirement.objects.filter(**{field: getattr(requirement, field)})


@transaction.atomic
def requirement_create(
    *,
    actor: Actor,
    parent: RequirementParent,
    text: str,
    kind: str,
    weight: int = 1,
    critical: bool = False,
    auditable: bool = True,
) -> Requirement:
    field = _parent_field(parent)
    instance = Requirement(
        version_id=parent.version_id,
        text=_clean_text(text),
        kind=kind,
        weight=weight,
        critical=critical,
        auditable=auditable,
        **{field: parent},
    )
    return _create(
        actor=actor,
        instance=instance,
        action="requirement.create",
        message=gettext_lazy("Requirement added: %(text)s"),
        params={"text": instance.text[:200]},
        order_scope=Requirement.objects.filter(**{field: parent}),
    )


@transaction.atomic
def requirement_update(
    *,
    actor: Actor,
    requirement: Requirement,
    revision: int,
    text: str,
    kind: str,
    weight: int,
    critical: bool,
    auditable: bool,
) -> Requirement:
    return _update(
        actor=actor,
        instance=requirement,
        revision=revision,
        values={
            "text": _clean_text(text),
            "kind": kind,
            "weight": weight,
            "critical": critical,
            "auditable": auditable,
        },
        action="requirement.update",
        message=gettext_lazy("Requirement changed: %(text)s"),
        params={"text": text.strip()[:200]},
    )


@transaction.atomic
def requirement_delete(*, actor: Actor, requirement: Requirement) -> None:
    _delete(
        actor=actor,
        instance=requirement,
        action="requirement.delete",
        message=gettext_lazy("Requirement removed: %(text)s"),
        params={"text": requirement.text[:200]},
    )


@transaction.atomic
def requirement_move(*, actor: Actor, requirement: Requirement, direction: Direction) -> None:
    _move(
        actor=actor,
        instance=requirement,
        scope=requirement_siblings(requirement),
        direction=direction,
    )

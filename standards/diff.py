"""What changed between two versions of the book.

Rows are paired by lineage key, never by text or position: a reworded requirement
is one requirement changed, a requirement deleted and written again is one removed
and one added (its identity is new), and a requirement that went elsewhere is
"moved". Changed texts are compared word by word.

Each change also knows whom it concerns (its audience), so the same diff can be
narrowed to one employee's position and gender for the acknowledgement banner.
"""

from __future__ import annotations

import difflib
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from django.utils.translation import gettext_lazy as _

from .models import AppearanceGender

if TYPE_CHECKING:
    from .selectors import BookContents

ChangeKind = Literal["added", "removed", "changed"]
SegmentOp = Literal["equal", "insert", "delete"]

# A word or a run of punctuation, with the spaces after it.
_TOKEN = re.compile(r"\s+|\w+\s*|[^\w\s]+\s*")


@dataclass(frozen=True)
class WordSegment:
    op: SegmentOp
    text: str


def word_diff(old: str, new: str) -> list[WordSegment]:
    """Word-level diff: runs of unchanged, inserted and deleted words.

    Each token is a word with the spaces around it, compared without them, so
    spaces never pair up on their own and a changed word shows as one run.
    """
    old_tokens = _TOKEN.findall(old or "")
    new_tokens = _TOKEN.findall(new or "")
    matcher = difflib.SequenceMatcher(
        a=[token.strip() for token in old_tokens],
        b=[token.strip() for token in new_tokens],
        autojunk=False,
    )
    segments: list[WordSegment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(WordSegment("equal", "".join(new_tokens[j1:j2])))
            continue
        if tag in {"delete", "replace"}:
            segments.append(WordSegment("delete", "".join(old_tokens[i1:i2])))
        if tag in {"insert", "replace"}:
            segments.append(WordSegment("insert", "".join(new_tokens[j1:j2])))
    return segments


@dataclass
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    words: list[WordSegment] | None = None


@dataclass
class Audience:
    """Whom a change concerns: everybody, whole positions, or a position and a gender."""

    everyone: bool = False
    positions: set[int] = field(default_factory=set)
    position_genders: set[tuple[int, str]] = field(default_factory=set)

    def includes(self, position_id: int, gender: str) -> bool:
        return (
            self.everyone
            or position_id in self.positions
            or (position_id, gender) in self.position_genders
            or (position_id, AppearanceGender.ANY.value) in self.position_genders
        )

    def merge(self, other: Audience) -> None:
        self.everyone = self.everyone or other.everyone
        self.positions |= other.positions
        self.position_genders |= other.position_genders


@dataclass
class ItemChange:
    kind: ChangeKind
    lineage_key: uuid.UUID
    label: str
    old: Any = None
    new: Any = None
    fields: list[FieldChange] = field(default_factory=list)
    moved: bool = False
    moved_from: str = ""
    context: str = ""
    audience: Audience = field(default_factory=Audience)

    @property
    def item(self) -> Any:
        return self.new if self.new is not None else self.old


@dataclass
class SectionDiff:
    name: str
    title: str
    added: list[ItemChange] = field(default_factory=list)
    removed: list[ItemChange] = field(default_factory=list)
    changed: list[ItemChange] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    @property
    def count(self) -> int:
        return len(self.added) + len(self.removed) + len(self.changed)

    def all_changes(self) -> list[ItemChange]:
        return [*self.added, *self.removed, *self.changed]

    def limited(self, keep: Callable[[ItemChange], bool]) -> SectionDiff:
        return SectionDiff(
            name=self.name,
            title=self.title,
            added=[change for change in self.added if keep(change)],
            removed=[change for change in self.removed if keep(change)],
            changed=[change for change in self.changed if keep(change)],
        )


@dataclass
class BookDiff:
    old_version: Any
    new_version: Any
    sections: list[SectionDiff]

    @property
    def change_note(self) -> str:
        return str(self.new_version.change_note)

    @property
    def is_empty(self) -> bool:
        return all(section.is_empty for section in self.sections)

    def section(self, name: str) -> SectionDiff:
        return next(section for section in self.sections if section.name == name)

    def audience(self) -> Audience:
        total = Audience()
        for section in self.sections:
            for change in section.all_changes():
                total.merge(change.audience)
        return total

    def concerns(self, position_id: int, gender: str) -> bool:
        return any(
            change.audience.includes(position_id, gender)
            for section in self.sections
            for change in section.all_changes()
        )

    def limited_to(self, position_id: int, gender: str) -> BookDiff:
        """Only the changes that concern this position and gender."""
        return BookDiff(
            old_version=self.old_version,
            new_version=self.new_version,
            sections=[
                section.limited(lambda change: change.audience.includes(position_id, gender))
                for section in self.sections
            ],
        )


# Describing rows ---------------------------------------------------------------


def _communication_place(standard: Any) -> str:
    if standard.situation_id:
        return str(standard.situation.name)
    return str(standard.step.name) if standard.step_id else ""


def _communication_label(standard: Any) -> str:
    return f"{standard.position.name} · {_communication_place(standard)}"


def _appearance_label(standard: Any) -> str:
    return f"{standard.position.name} · {standard.get_gender_display()} · {standard.task}"


def _communication_audience(standard: Any) -> Audience:
    return Audience(positions={standard.position_id})


def _appearance_audience(standard: Any) -> Audience:
    return Audience(position_genders={(standard.position_id, standard.gender)})


def _everyone(_item: Any) -> Audience:
    return Audience(everyone=True)


def _nobody(_item: Any) -> Audience:
    return Audience()


@dataclass(frozen=True)
class _Field:
    name: str
    label: Any
    value: Callable[[Any], str]
    words: bool = False


def _attr(name: str) -> Callable[[Any], str]:
    return lambda item: str(getattr(item, name) or "")


def _yes_no(name: str) -> Callable[[Any], str]:
    return lambda item: str(_("yes") if getattr(item, name) else _("no"))


TERM_FIELDS = [
    _Field("term", _("term"), _attr("term")),
    _Field("definition", _("definition"), _attr("definition"), words=True),
]
PROVISION_FIELDS = [
    _Field("title", _("title"), _attr("title")),
    _Field("body", _("text"), _attr("body"), words=True),
]
PRINCIPLE_FIELDS = [
    _Field("title", _("title"), _attr("title")),
    _Field("text", _("text"), _attr("text"), words=True),
]
COMMUNICATION_FIELDS = [
    _Field("position", _("position"), lambda item: str(item.position.name)),
    _Field("step", _("journey step"), lambda item: str(item.step.name) if item.step_id else ""),
    _Field(
        "situation",
        _("situation"),
        lambda item: str(item.situation.name) if item.situation_id else "",
    ),
    _Field("process", _("how the process goes"), _attr("process"), words=True),
]
APPEARANCE_FIELDS = [
    _Field("position", _("position"), lambda item: str(item.position.name)),
    _Field("gender", _("gender"), lambda item: str(item.get_gender_display())),
    _Field("task", _("task"), _attr("task"), words=True),
]
REQUIREMENT_FIELDS = [
    _Field("text", _("text"), _attr("text"), words=True),
    _Field("kind", _("kind"), lambda item: str(item.get_kind_display())),
    _Field("weight", _("weight"), _attr("weight")),
    _Field("critical", _("critical"), _yes_no("critical")),
    _Field("auditable", _("auditable"), _yes_no("auditable")),
]


def _field_changes(fields: Sequence[_Field], old: Any, new: Any) -> list[FieldChange]:
    changes = []
    for spec in fields:
        before, after = spec.value(old), spec.value(new)
        if before != after:
            changes.append(
                FieldChange(
                    name=spec.name,
                    label=str(spec.label),
                    old=before,
                    new=after,
                    words=word_diff(before, after) if spec.words else None,
                )
            )
    return changes


def moved_keys(old_order: Sequence[uuid.UUID], new_order: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Keys present in both sequences that left the longest common ordering.

    Inserting or deleting neighbours does not move anything; swapping two does.
    """
    common = set(old_order) & set(new_order)
    old_common = [key for key in old_order if key in common]
    new_common = [key for key in new_order if key in common]
    matcher = difflib.SequenceMatcher(a=old_common, b=new_common, autojunk=False)
    kept: set[uuid.UUID] = set()
    for block in matcher.get_matching_blocks():
        kept.update(old_common[block.a : block.a + block.size])
    return common - kept


def _section(
    *,
    name: str,
    title: Any,
    old_items: Iterable[Any],
    new_items: Iterable[Any],
    fields: Sequence[_Field],
    label: Callable[[Any], str],
    audience: Callable[[Any], Audience],
    ordered: bool,
) -> SectionDiff:
    old_by_key = {item.lineage_key: item for item in old_items}
    new_by_key = {item.lineage_key: item for item in new_items}
    moved = moved_keys(list(old_by_key), list(new_by_key)) if ordered else set()
    section = SectionDiff(name=name, title=str(title))
    for key, item in new_by_key.items():
        if key not in old_by_key:
            section.added.append(
                ItemChange("added", key, label(item), new=item, audience=audience(item))
            )
    for key, item in old_by_key.items():
        if key not in new_by_key:
            section.removed.append(
                ItemChange("removed", key, label(item), old=item, audience=audience(item))
            )
    for key, item in new_by_key.items():
        old = old_by_key.get(key)
        if old is None:
            continue
        fields_changed = _field_changes(fields, old, item)
        if fields_changed or key in moved:
            change_audience = audience(old)
            change_audience.merge(audience(item))
            section.changed.append(
                ItemChange(
                    "changed",
                    key,
                    label(item),
                    old=old,
                    new=item,
                    fields=fields_changed,
                    moved=key in moved,
                    audience=change_audience,
                )
            )
    return section


def _requirement_section(old: BookContents, new: BookContents) -> SectionDiff:
    def parent_label(contents: BookContents, requirement: Any) -> str:
        parent = contents.parent_of(requirement)
        if requirement.principle_id:
            return f"{_('Principle')}: {parent.title}"
        if requirement.communication_standard_id:
            return _communication_label(parent)
        return _appearance_label(parent)

    def parent_audience(contents: BookContents, requirement: Any) -> Audience:
        parent = contents.parent_of(requirement)
        if requirement.principle_id:
            return _everyone(parent)
        if requirement.communication_standard_id:
            return _communication_audience(parent)
        return _appearance_audience(parent)

    def parent_key(contents: BookContents, requirement: Any) -> uuid.UUID:
        key: uuid.UUID = contents.parent_of(requirement).lineage_key
        return key

    old_by_key = {item.lineage_key: item for item in old.requirements}
    new_by_key = {item.lineage_key: item for item in new.requirements}

    # Order only means something among siblings: compare each parent's sequence.
    old_siblings: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in old.requirements:
        old_siblings.setdefault(parent_key(old, item), []).append(item.lineage_key)
    new_siblings: dict[uuid.UUID, list[uuid.UUID]] = {}
    for item in new.requirements:
        new_siblings.setdefault(parent_key(new, item), []).append(item.lineage_key)
    reordered: set[uuid.UUID] = set()
    for key, siblings in new_siblings.items():
        reordered |= moved_keys(old_siblings.get(key, []), siblings)

    section = SectionDiff(name="requirements", title=str(_("Requirements")))
    for key, item in new_by_key.items():
        if key not in old_by_key:
            section.added.append(
                ItemChange(
                    "added",
                    key,
                    item.text,
                    new=item,
                    context=parent_label(new, item),
                    audience=parent_audience(new, item),
                )
            )
    for key, item in old_by_key.items():
        if key not in new_by_key:
            section.removed.append(
                ItemChange(
                    "removed",
                    key,
                    item.text,
                    old=item,
                    context=parent_label(old, item),
                    audience=parent_audience(old, item),
                )
            )
    for key, item in new_by_key.items():
        before = old_by_key.get(key)
        if before is None:
            continue
        fields_changed = _field_changes(REQUIREMENT_FIELDS, before, item)
        other_parent = parent_key(old, before) != parent_key(new, item)
        if fields_changed or other_parent or key in reordered:
            change_audience = parent_audience(old, before)
            change_audience.merge(parent_audience(new, item))
            section.changed.append(
                ItemChange(
                    "changed",
                    key,
                    item.text,
                    old=before,
                    new=item,
                    fields=fields_changed,
                    moved=other_parent or key in reordered,
                    moved_from=parent_label(old, before) if other_parent else "",
                    context=parent_label(new, item),
                    audience=change_audience,
                )
            )
    return section


def book_diff(old: BookContents, new: BookContents) -> BookDiff:
    """Compare two loaded versions. Pure: no queries beyond what the contents hold."""
    sections = [
        _section(
            name="terms",
            title=_("Terms and definitions"),
            old_items=old.terms,
            new_items=new.terms,
            fields=TERM_FIELDS,
            label=lambda item: str(item.term),
            # Terms and provisions explain the book; they do not change what anybody does.
            audience=_nobody,
            ordered=False,
        ),
        _section(
            name="provisions",
            title=_("General provisions"),
            old_items=old.provisions,
            new_items=new.provisions,
            fields=PROVISION_FIELDS,
            label=lambda item: str(item.title),
            audience=_nobody,
            ordered=True,
        ),
        _section(
            name="principles",
            title=_("Core principles"),
            old_items=old.principles,
            new_items=new.principles,
            fields=PRINCIPLE_FIELDS,
            label=lambda item: str(item.title),
            audience=_everyone,
            ordered=True,
        ),
        _section(
            name="communication",
            title=_("Communication standards"),
            old_items=old.communication,
            new_items=new.communication,
            fields=COMMUNICATION_FIELDS,
            label=_communication_label,
            audience=_communication_audience,
            ordered=True,
        ),
        _section(
            name="appearance",
            title=_("Appearance standards"),
            old_items=old.appearance,
            new_items=new.appearance,
            fields=APPEARANCE_FIELDS,
            label=_appearance_label,
            audience=_appearance_audience,
            ordered=True,
        ),
        _requirement_section(old, new),
    ]
    return BookDiff(old_version=old.version, new_version=new.version, sections=sections)

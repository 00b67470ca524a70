"""The kinds of item the draft editor handles, and which form and service each uses.

One table instead of six copies of the same add/edit/delete/move views; the rules
themselves stay in services.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.types import Actor

from . import services
from .forms import (
    AppearanceStandardForm,
    CommunicationStandardForm,
    PrincipleForm,
    ProvisionForm,
    RequirementForm,
    TermForm,
)
from .models import (
    AppearanceStandard,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    RequirementKind,
    Term,
    VersionedContent,
)

COMMUNICATION_KINDS = [RequirementKind.SAY, RequirementKind.DO, RequirementKind.NEVER]


@dataclass(frozen=True)
class ItemKind:
    name: str
    model: type[VersionedContent]
    form: type[forms.ModelForm]
    chapter: str
    add_label: Any
    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    move: Callable[..., Any] | None


def _term_create(actor: Actor, version: BookVersion, data: dict[str, Any]) -> Term:
    return services.term_create(
        actor=actor, version=version, term=data["term"], definition=data["definition"]
    )


def _term_update(actor: Actor, item: Term, revision: int, data: dict[str, Any]) -> Term:
    return services.term_update(
        actor=actor, term=item, revision=revision, name=data["term"], definition=data["definition"]
    )


def _provision_create(actor: Actor, version: BookVersion, data: dict[str, Any]) -> GeneralProvision:
    return services.provision_create(
        actor=actor, version=version, title=data["title"], body=data["body"]
    )


def _provision_update(
    actor: Actor, item: GeneralProvision, revision: int, data: dict[str, Any]
) -> GeneralProvision:
    return services.provision_update(
        actor=actor, provision=item, revision=revision, title=data["title"], body=data["body"]
    )


def _principle_create(actor: Actor, version: BookVersion, data: dict[str, Any]) -> Principle:
    return services.principle_create(
        actor=actor, version=version, title=data["title"], text=data["text"]
    )


def _principle_update(
    actor: Actor, item: Principle, revision: int, data: dict[str, Any]
) -> Principle:
    return services.principle_update(
        actor=actor, principle=item, revision=revision, title=data["title"], text=data["text"]
    )


def _communication_create(
    actor: Actor, version: BookVersion, data: dict[str, Any]
) -> CommunicationStandard:
    return services.communication_standard_create(
        actor=actor,
        version=version,
        position=data["position"],
        step=data["step"],
        situation=data["situation"],
        process=data["process"],
    )


def _communication_update(
    actor: Actor, item: CommunicationStandard, revision: int, data: dict[str, Any]
) -> CommunicationStandard:
    return services.communication_standard_update(
        actor=actor,
        standard=item,
        revision=revision,
        position=data["position"],
        step=data["step"],
        situation=data["situation"],
        process=data["process"],
    )


def _appearance_create(
    actor: Actor, version: BookVersion, data: dict[str, Any]
) -> AppearanceStandard:
    return services.appearance_standard_create(
        actor=actor,
        version=version,
        position=data["position"],
        gender=data["gender"],
        task=data["task"],
    )


def _appearance_update(
    actor: Actor, item: AppearanceStandard, revision: int, data: dict[str, Any]
) -> AppearanceStandard:
    return services.appearance_standard_update(
        actor=actor,
        standard=item,
        revision=revision,
        position=data["position"],
        gender=data["gender"],
        task=data["task"],
    )


def _requirement_create(actor: Actor, parent: Any, data: dict[str, Any]) -> Requirement:
    return services.requirement_create(
        actor=actor,
        parent=parent,
        text=data["text"],
        kind=data["kind"],
        weight=data["weight"],
        critical=data["critical"],
        auditable=data["auditable"],
    )


def _requirement_update(
    actor: Actor, item: Requirement, revision: int, data: dict[str, Any]
) -> Requirement:
    return services.requirement_update(
        actor=actor,
        requirement=item,
        revision=revision,
        text=data["text"],
        kind=data["kind"],
        weight=data["weight"],
        critical=data["critical"],
        auditable=data["auditable"],
    )


KINDS: dict[str, ItemKind] = {
    "term": ItemKind(
        name="term",
        model=Term,
        form=TermForm,
        chapter="terms",
        add_label=_("Add a term"),
        create=_term_create,
        update=_term_update,
        delete=lambda actor, item: services.term_delete(actor=actor, term=item),
        move=None,  # terms are alphabetical
    ),
    "provision": ItemKind(
        name="provision",
        model=GeneralProvision,
        form=ProvisionForm,
        chapter="provisions",
        add_label=_("Add a section"),
        create=_provision_create,
        update=_provision_update,
        delete=lambda actor, item: services.provision_delete(actor=actor, provision=item),
        move=lambda actor, item, direction: services.provision_move(
            actor=actor, provision=item, direction=direction
        ),
    ),
    "principle": ItemKind(
        name="principle",
        model=Principle,
        form=PrincipleForm,
        chapter="principles",
        add_label=_("Add a principle"),
        create=_principle_create,
        update=_principle_update,
        delete=lambda actor, item: services.principle_delete(actor=actor, principle=item),
        move=lambda actor, item, direction: services.principle_move(
            actor=actor, principle=item, direction=direction
        ),
    ),
    "communication": ItemKind(
        name="communication",
        model=CommunicationStandard,
        form=CommunicationStandardForm,
        chapter="communication",
        add_label=_("Add a communication standard"),
        create=_communication_create,
        update=_communication_update,
        delete=lambda actor, item: services.communication_standard_delete(
            actor=actor, standard=item
        ),
        move=lambda actor, item, direction: services.communication_standard_move(
            actor=actor, standard=item, direction=direction
        ),
    ),
    "appearance": ItemKind(
        name="appearance",
        model=AppearanceStandard,
        form=AppearanceStandardForm,
        chapter="appearance",
        add_label=_("Add an appearance standard"),
        create=_appearance_create,
        update=_appearance_update,
        delete=lambda actor, item: services.appearance_standard_delete(actor=actor, standard=item),
        move=lambda actor, item, direction: services.appearance_standard_move(
            actor=actor, standard=item, direction=direction
        ),
    ),
    "requirement": ItemKind(
        name="requirement",
        model=Requirement,
        form=RequirementForm,
        chapter="",
        add_label=_("Add a requirement"),
        create=_requirement_create,
        update=_requirement_update,
        delete=lambda actor, item: services.requirement_delete(actor=actor, requirement=item),
        move=lambda actor, item, direction: services.requirement_move(
            actor=actor, requirement=item, direction=direction
        ),
    ),
}

PARENT_KINDS: dict[str, type[VersionedContent]] = {
    "principle": Principle,
    "communication": CommunicationStandard,
    "appearance": AppearanceStandard,
}


def requirement_kinds_for(parent_kind: str) -> list[str]:
    if parent_kind == "appearance":
        return [RequirementKind.LOOK]
    return [kind.value for kind in COMMUNICATION_KINDS]


def form_for(
    kind: ItemKind,
    *,
    data: Any = None,
    instance: Any = None,
    parent_kind: str = "",
    prefix: str | None = None,
) -> Any:
    kwargs: dict[str, Any] = {"data": data, "prefix": prefix}
    if instance is not None:
        kwargs["instance"] = instance
    if kind.name == "requirement":
        kwargs["kinds"] = requirement_kinds_for(
            parent_kind or (instance.parent_kind if instance else "")
        )
    return kind.form(**kwargs)

"""A small published book for the standards tests.

Version 1 (published) holds a term, a provision, a principle with one requirement,
a communication standard for the salesperson (the staff member's position) at a
phone step with say/do/never requirements, and an appearance standard for female
salespeople.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from journeys.models import Step
from roles.models import Position
from standards import services
from standards.models import (
    AppearanceStandard,
    Book,
    BookVersion,
    CommunicationStandard,
    Principle,
    Requirement,
    RequirementKind,
)
from tests.factories import PositionFactory, StageFactory, StepFactory


@dataclass
class PublishedBook:
    book: Book
    version: BookVersion
    position: Position
    step: Step
    principle: Principle
    communication: CommunicationStandard
    appearance: AppearanceStandard
    greeting: Requirement


@pytest.fixture
def salesperson(db) -> Position:
    return PositionFactory.create(name="Salesperson")


@pytest.fixture
def phone_step(salesperson: Position) -> Step:
    stage = StageFactory.create(name="First call", journey__name="Buying a car", order=1)
    return StepFactory.create(
        stage=stage, name="Phone call", responsible_position=salesperson, order=1
    )


@pytest.fixture
def published_book(manager, salesperson: Position, phone_step: Step) -> PublishedBook:
    actor = manager.user
    book = services.book_create(actor=actor, name="Dealership standards")
    draft = book.versions.get()
    services.term_create(actor=actor, version=draft, term="Customer", definition="Anyone we serve.")
    services.provision_create(
        actor=actor, version=draft, title="Purpose", body="Why we have *standards*."
    )
    principle = services.principle_create(
        actor=actor, version=draft, title="Respect", text="We treat every customer with respect."
    )
    services.requirement_create(
        actor=actor,
        parent=principle,
        text="Address the customer formally.",
        kind=RequirementKind.SAY,
    )
    communication = services.communication_standard_create(
        actor=actor,
        version=draft,
        position=salesperson,
        step=phone_step,
        situation=None,
        process="Pick up, greet, help.",
    )
    greeting = services.requirement_create(
        actor=actor,
        parent=communication,
        text="Answer within three rings.",
        kind=RequirementKind.DO,
        weight=3,
        critical=True,
    )
    services.requirement_create(
        actor=actor,
        parent=communication,
        text="Say your name and the company.",
        kind=RequirementKind.SAY,
        weight=2,
    )
    services.requirement_create(
        actor=actor,
        parent=communication,
        text="Tell the caller to just come over.",
        kind=RequirementKind.NEVER,
    )
    appearance = services.appearance_standard_create(
        actor=actor, version=draft, position=salesperson, gender="female", task="On the sales floor"
    )
    services.requirement_create(
        actor=actor, parent=appearance, text="A dark business suit.", kind=RequirementKind.LOOK
    )
    version = services.version_publish(actor=actor, version=draft, change_note="First edition.")
    return PublishedBook(
        book=book,
        version=version,
        position=salesperson,
        step=phone_step,
        principle=principle,
        communication=communication,
        appearance=appearance,
        greeting=greeting,
    )

"""A small journey map to work on: two stages, three steps, situations at a step and across."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from journeys.models import Journey, Situation, SituationKind, Stage, Step
from roles.models import Position
from tests.factories import (
    JourneyFactory,
    PositionFactory,
    SituationFactory,
    StageFactory,
    StepFactory,
)


@dataclass
class Map:
    journey: Journey
    call: Stage
    visit: Stage
    answer: Step
    book: Step
    greet: Step
    no_answer: Situation
    bad_review: Situation
    receptionist: Position
    salesperson: Position


@pytest.fixture
def car_journey(db) -> Map:
    receptionist = PositionFactory.create(name="Receptionist")
    salesperson = PositionFactory.create(name="Sales consultant")
    journey = JourneyFactory.create(name="Buying a car")
    # Orders with gaps on purpose: every write must leave them 0, 1, 2 ...
    call = StageFactory.create(journey=journey, name="First call", order=3)
    visit = StageFactory.create(journey=journey, name="Visit", order=7)
    answer = StepFactory.create(
        stage=call, name="Answer the phone", responsible_position=receptionist, order=2
    )
    book = StepFactory.create(
        stage=call, name="Book a visit", responsible_position=salesperson, order=5
    )
    greet = StepFactory.create(
        stage=visit, name="Greet at the door", responsible_position=receptionist, order=1
    )
    no_answer = SituationFactory.create(
        step=answer,
        name="Nobody answers within three rings",
        kind=SituationKind.NEGATIVE,
        responsible_position=receptionist,
        order=4,
    )
    bad_review = SituationFactory.create(
        journey=journey,
        step=None,
        name="A bad review online",
        kind=SituationKind.NEGATIVE,
        responsible_position=salesperson,
        order=9,
    )
    return Map(
        journey=journey,
        call=call,
        visit=visit,
        answer=answer,
        book=book,
        greet=greet,
        no_answer=no_answer,
        bad_review=bad_review,
        receptionist=receptionist,
        salesperson=salesperson,
    )

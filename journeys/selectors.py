"""Reads of the journey map."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet

from roles.models import Position

from .models import Journey, Situation, Stage, Step


def journeys_list() -> QuerySet[Journey]:
    return Journey.objects.order_by("-is_active", "name")


def journey_map(journey: Journey) -> list[Stage]:
    """Stages in order, each with its steps in order and each step with its situations.

    A fixed number of queries whatever the size of the map.
    """
    situations = Situation.objects.select_related("responsible_position").order_by("order", "id")
    steps = (
        Step.objects.select_related("responsible_position", "owner")
        .prefetch_related(Prefetch("situations", queryset=situations))
        .order_by("order", "id")
    )
    return list(
        journey.stages.order_by("order", "id").prefetch_related(Prefetch("steps", queryset=steps))
    )


def cross_cutting_situations(journey: Journey) -> QuerySet[Situation]:
    return journey.situations.filter(step__isnull=True).select_related("responsible_position")


@dataclass(frozen=True)
class Duties:
    position: Position
    steps: list[Step]
    situations: list[Situation]


def position_duties(position: Position) -> Duties:
    """Everything a position answers for, computed from the journey map, in journey order."""
    steps = list(
        Step.objects.filter(responsible_position=position, stage__journey__is_active=True)
        .select_related("stage__journey", "owner")
        .order_by("stage__journey__name", "stage__order", "stage_id", "order", "id")
    )
    situations = list(
        Situation.objects.filter(responsible_position=position, journey__is_active=True)
        .select_related("journey", "step__stage")
        .order_by("journey__name", "step__stage__order", "step__order", "order", "id")
    )
    return Duties(position=position, steps=steps, situations=situations)

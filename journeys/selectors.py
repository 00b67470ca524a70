"""Reads of the journey map."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.types import Viewer
from roles.models import Employee, Position
from roles.permissions import is_manager
from roles.selectors import employees_visible_to

from .models import Journey, Situation, SituationKind, Stage, Step


def journeys_list() -> QuerySet[Journey]:
    return Journey.objects.order_by("-is_active", "name")


def _count_per_journey(queryset: QuerySet[Any], journey_path: str) -> Coalesce:
    """A correlated COUNT subquery, so several counts never multiply each other's rows."""
    return Coalesce(
        Subquery(
            queryset.filter(**{journey_path: OuterRef("pk")})
            .order_by()
            .values(journey_path)
            .annotate(total=Count("pk"))
            .values("total")
        ),
        0,
    )


def journeys_with_counts() -> QuerySet[Journey]:
    """Journeys with how many stages, steps and (negative) situations each holds: one query."""
    return journeys_list().annotate(
        stage_count=_count_per_journey(Stage.objects.all(), "journey"),
        step_count=_count_per_journey(Step.objects.all(), "stage__journey"),
        situation_count=_count_per_journey(Situation.objects.all(), "journey"),
        negative_count=_count_per_journey(
            Situation.objects.filter(kind=SituationKind.NEGATIVE), "journey"
        ),
    )


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
    return (
        journey.situations.filter(step__isnull=True)
        .select_related("responsible_position")
        .order_by("order", "id")
    )


def journey_stages(journey: Journey) -> QuerySet[Stage]:
    return journey.stages.order_by("order", "id")


def journey_steps(journey: Journey) -> QuerySet[Step]:
    """Every step of a journey in map order (stage by stage), with its stage."""
    return (
        Step.objects.filter(stage__journey=journey)
        .select_related("stage")
        .order_by("stage__order", "stage_id", "order", "id")
    )


def positions_for_choice(current: Position | None = None) -> QuerySet[Position]:
    """Active positions, plus the one already chosen even if it has since been deactivated."""
    condition = Q(is_active=True)
    if current is not None:
        condition |= Q(pk=current.pk)
    return Position.objects.filter(condition).order_by("name")


def owners_for_choice(current: Employee | None = None) -> QuerySet[Employee]:
    """Active employees company-wide (the map is company-wide), plus the current owner."""
    condition = Q(is_active=True)
    if current is not None:
        condition |= Q(pk=current.pk)
    return Employee.objects.filter(condition).select_related("position").order_by("full_name", "id")


# Duties ------------------------------------------------------------------------


@dataclass
class StageDuties:
    stage: Stage
    steps: list[Step] = field(default_factory=list)
    situations: list[Situation] = field(default_factory=list)


@dataclass
class JourneyDuties:
    journey: Journey
    stages: list[StageDuties] = field(default_factory=list)
    cross_cutting: list[Situation] = field(default_factory=list)


@dataclass(frozen=True)
class Duties:
    position: Position
    steps: list[Step]
    situations: list[Situation]

    @property
    def is_empty(self) -> bool:
        return not self.steps and not self.situations

    @cached_property
    def by_journey(self) -> list[JourneyDuties]:
        """The duties grouped by journey (by name), then stage, both in map order.

        Within a stage: the steps, then the situations at that stage's steps; a
        journey's cross-cutting situations come after its stages.
        """
        journeys: dict[int, JourneyDuties] = {}
        stages: dict[int, StageDuties] = {}

        def journey_group(journey: Journey) -> JourneyDuties:
            return journeys.setdefault(journey.pk, JourneyDuties(journey=journey))

        def stage_group(stage: Stage, journey: Journey) -> StageDuties:
            if stage.pk not in stages:
                stages[stage.pk] = StageDuties(stage=stage)
                journey_group(journey).stages.append(stages[stage.pk])
            return stages[stage.pk]

        for step in self.steps:
            stage_group(step.stage, step.stage.journey).steps.append(step)
        for situation in self.situations:
            if situation.step is None:
                journey_group(situation.journey).cross_cutting.append(situation)
            else:
                stage_group(situation.step.stage, situation.journey).situations.append(situation)

        grouped = sorted(
            journeys.values(), key=lambda group: (group.journey.name, group.journey.pk)
        )
        for group in grouped:
            group.stages.sort(key=lambda duties: (duties.stage.order, duties.stage.pk))
            for stage_duties in group.stages:
                stage_duties.steps.sort(key=lambda step: (step.order, step.pk))
                stage_duties.situations.sort(key=_situation_map_order)
            group.cross_cutting.sort(key=lambda situation: (situation.order, situation.pk))
        return grouped


def _situation_map_order(situation: Situation) -> tuple[int, int, int, int]:
    step = situation.step
    assert step is not None
    return (step.order, step.pk, situation.order, situation.pk)


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


def position_holders(*, user: Viewer, position: Position) -> QuerySet[Employee]:
    """Active employees holding the position, among those the viewer may see."""
    if not is_manager(user):
        return Employee.objects.none()
    return (
        employees_visible_to(user)
        .filter(position=position, is_active=True)
        .order_by("full_name", "id")
    )

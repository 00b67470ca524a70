"""Reads of the standards book. Each loader runs a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Lower

from journeys.models import Step
from roles.models import Department, Employee

from .diff import BookDiff, book_diff
from .models import (
    Acknowledgement,
    AppearanceGender,
    AppearanceStandard,
    Book,
    BookVersion,
    CommunicationStandard,
    GeneralProvision,
    Principle,
    Requirement,
    RequirementKind,
    Term,
    VersionStatus,
)

COMMUNICATION_RELATED = (
    "position",
    "step__stage__journey",
    "step__responsible_position",
    "situation__step__stage__journey",
    "situation__responsible_position",
    "situation__journey",
)


@dataclass
class BookContents:
    """One version, loaded whole: every chapter and each parent's requirements."""

    version: BookVersion
    terms: list[Term]
    provisions: list[GeneralProvision]
    principles: list[Principle]
    communication: list[CommunicationStandard]
    appearance: list[AppearanceStandard]
    requirements: list[Requirement]
    _parents: dict[tuple[str, int | None], Any] = field(default_factory=dict, repr=False)

    def parent_of(self, requirement: Requirement) -> Any:
        if requirement.principle_id:
            return self._parents[("principle", requirement.principle_id)]
        if requirement.communication_standard_id:
            return self._parents[("communication", requirement.communication_standard_id)]
        return self._parents[("appearance", requirement.appearance_standard_id)]

    @property
    def requirement_count(self) -> int:
        return len(self.requirements)


def _attach_requirements(parents: list[Any], requirements: list[Requirement], attr: str) -> None:
    by_parent: dict[int, list[Requirement]] = defaultdict(list)
    for requirement in requirements:
        parent_id = getattr(requirement, attr)
        if parent_id:
            by_parent[parent_id].append(requirement)
    for parent in parents:
        parent.requirement_list = by_parent.get(parent.pk, [])


def requirements_by_kind(requirements: list[Requirement]) -> dict[str, list[Requirement]]:
    grouped: dict[str, list[Requirement]] = {kind.value: [] for kind in RequirementKind}
    for requirement in requirements:
        grouped[requirement.kind].append(requirement)
    return grouped


def book_contents(version: BookVersion) -> BookContents:
    """Seven queries whatever the size of the book."""
    terms = list(Term.objects.filter(version=version).order_by(Lower("term"), "id"))
    provisions = list(GeneralProvision.objects.filter(version=version).order_by("order", "id"))
    principles = list(Principle.objects.filter(version=version).order_by("order", "id"))
    communication = list(
        CommunicationStandard.objects.filter(version=version)
        .select_related(*COMMUNICATION_RELATED)
        .order_by("order", "id")
    )
    appearance = list(
        AppearanceStandard.objects.filter(version=version)
        .select_related("position")
        .order_by("order", "id")
    )
    requirements = list(Requirement.objects.filter(version=version).order_by("order", "id"))
    _attach_requirements(principles, requirements, "principle_id")
    _attach_requirements(communication, requirements, "communication_standard_id")
    _attach_requirements(appearance, requirements, "appearance_standard_id")
    for standard in communication:
        standard.requirements_by_kind = requirements_by_kind(standard.requirement_list)  # type: ignore[attr-defined]
    contents = BookContents(
        version=version,
        terms=terms,
        provisions=provisions,
        principles=principles,
        communication=communication,
        appearance=appearance,
        requirements=requirements,
    )
    for principle in principles:
        contents._parents[("principle", principle.pk)] = principle
    for standard in communication:
        contents._parents[("communication", standard.pk)] = standard
    for appearance_standard in appearance:
        contents._parents[("appearance", appearance_standard.pk)] = appearance_standard
    return contents


# Books and versions -------------------------------------------------------------


def book_main() -> Book | None:
    """The company's book. The model allows several; the product shows the first."""
    return Book.objects.order_by("id").first()


def versions_of(book: Book) -> QuerySet[BookVersion]:
    return book.versions.select_related("published_by", "created_by", "created_from").order_by(
        "-number"
    )


def version_current(book: Book) -> BookVersion | None:
    """The published version everybody reads."""
    return (
        book.versions.filter(status=VersionStatus.PUBLISHED)
        .select_related("book", "published_by")
        .first()
    )


def version_draft(book: Book) -> BookVersion | None:
    return book.versions.filter(status=VersionStatus.DRAFT).select_related("book").first()


def version_previous_published(version: BookVersion) -> BookVersion | None:
    """The latest version published before this one (what a diff compares it with)."""
    return (
        BookVersion.objects.filter(book_id=version.book_id, number__lt=version.number)
        .exclude(status=VersionStatus.DRAFT)
        .order_by("-number")
        .first()
    )


def version_diff(old: BookVersion, new: BookVersion) -> BookDiff:
    return book_diff(book_contents(old), book_contents(new))


def principles_count_advice(count: int) -> bool:
    """The method recommends 10 to 20 core principles."""
    return not 10 <= count <= 20


# Reading for one employee ---------------------------------------------------------


@dataclass
class StepGroup:
    """The communication standards of one place on the journey map."""

    step: Step | None
    title: str
    journey_name: str
    standards: list[CommunicationStandard]


def _journey_sort_key(standard: CommunicationStandard) -> tuple[Any, ...]:
    step = standard.journey_step
    if step is None:
        # Cross-cutting situations come after every step of their journey.
        situation = standard.situation
        journey = situation.journey if situation is not None else None
        return (journey.name if journey else "", 1, 0, 0, 0, standard.order, standard.pk)
    return (
        step.stage.journey.name,
        0,
        step.stage.order,
        step.order,
        step.pk,
        1 if standard.situation_id else 0,
        standard.order,
        standard.pk,
    )


def group_by_journey_step(standards: list[CommunicationStandard]) -> list[StepGroup]:
    """Group standards by the journey step they sit on, in journey order."""
    groups: list[StepGroup] = []
    index: dict[tuple[str, int | None], StepGroup] = {}
    for standard in sorted(standards, key=_journey_sort_key):
        step = standard.journey_step
        if step is not None:
            key: tuple[str, int | None] = (step.stage.journey.name, step.pk)
            title = step.name
            journey_name = step.stage.journey.name
        else:
            situation = standard.situation
            journey_name = situation.journey.name if situation is not None else ""
            key = (journey_name, None)
            title = ""
        group = index.get(key)
        if group is None:
            group = StepGroup(step=step, title=title, journey_name=journey_name, standards=[])
            index[key] = group
            groups.append(group)
        group.standards.append(standard)
    return groups


@dataclass
class MyStandards:
    version: BookVersion
    principles: list[Principle]
    steps: list[StepGroup]
    appearance: list[AppearanceStandard]


def my_standards(version: BookVersion, employee: Employee) -> MyStandards:
    """What applies to one employee: their position, their gender, and the principles."""
    principles = list(Principle.objects.filter(version=version).order_by("order", "id"))
    communication = list(
        CommunicationStandard.objects.filter(version=version, position_id=employee.position_id)
        .select_related(*COMMUNICATION_RELATED)
        .order_by("order", "id")
    )
    appearance = list(
        AppearanceStandard.objects.filter(
            version=version,
            position_id=employee.position_id,
            gender__in=[AppearanceGender.ANY, employee.gender],
        )
        .select_related("position")
        .order_by("order", "id")
    )
    requirements = list(
        Requirement.objects.filter(version=version)
        .filter(
            Q(principle__isnull=False)
            | Q(communication_standard__in=[standard.pk for standard in communication])
            | Q(appearance_standard__in=[standard.pk for standard in appearance])
        )
        .order_by("order", "id")
    )
    _attach_requirements(principles, requirements, "principle_id")
    _attach_requirements(communication, requirements, "communication_standard_id")
    _attach_requirements(appearance, requirements, "appearance_standard_id")
    for standard in communication:
        standard.requirements_by_kind = requirements_by_kind(standard.requirement_list)  # type: ignore[attr-defined]
    return MyStandards(
        version=version,
        principles=principles,
        steps=group_by_journey_step(communication),
        appearance=appearance,
    )


def step_standards(version: BookVersion, step: Step) -> list[CommunicationStandard]:
    """Communication standards at a step: its own and those of its situations."""
    standards = list(
        CommunicationStandard.objects.filter(version=version)
        .filter(Q(step=step) | Q(situation__step=step))
        .select_related(*COMMUNICATION_RELATED)
        .order_by("position__name", "situation_id", "order", "id")
    )
    requirements = list(
        Requirement.objects.filter(communication_standard__in=[s.pk for s in standards]).order_by(
            "order", "id"
        )
    )
    _attach_requirements(standards, requirements, "communication_standard_id")
    for standard in standards:
        standard.requirements_by_kind = requirements_by_kind(standard.requirement_list)  # type: ignore[attr-defined]
    return standards


# Search ---------------------------------------------------------------------------


@dataclass
class SearchResults:
    query: str
    terms: list[Term]
    principles: list[Principle]
    requirements: list[Requirement]

    @property
    def count(self) -> int:
        return len(self.terms) + len(self.principles) + len(self.requirements)


SEARCH_LIMIT = 100


def book_search(version: BookVersion, query: str) -> SearchResults:
    """Full-text search on PostgreSQL (Russian stemming); a case-insensitive match elsewhere."""
    query = query.strip()
    terms_qs = Term.objects.filter(version=version)
    principles_qs = Principle.objects.filter(version=version)
    requirements_qs = Requirement.objects.filter(version=version).select_related(
        "principle",
        "appearance_standard__position",
        "communication_standard__position",
        "communication_standard__step",
        "communication_standard__situation",
    )
    if not query:
        return SearchResults(query=query, terms=[], principles=[], requirements=[])
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector

        search = SearchQuery(query, config="russian", search_type="websearch")

        def ranked(queryset: QuerySet[Any], *fields: str) -> list[Any]:
            vector = SearchVector(*fields, config="russian")
            return list(
                queryset.annotate(rank=SearchRank(vector, search))
                .filter(rank__gt=0)
                .order_by("-rank", "id")[:SEARCH_LIMIT]
            )

        return SearchResults(
            query=query,
            terms=ranked(terms_qs, "term", "definition"),
            principles=ranked(principles_qs, "title", "text"),
            requirements=ranked(requirements_qs, "text"),
        )
    # Elsewhere a case-insensitive substring match; on SQLite it folds Cyrillic too
    # (roles/apps.py installs a Unicode LIKE there).

    def matching(queryset: QuerySet[Any], *fields: str) -> list[Any]:
        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": query})
        return list(queryset.filter(condition).order_by("id")[:SEARCH_LIMIT])

    return SearchResults(
        query=query,
        terms=matching(terms_qs, "term", "definition"),
        principles=matching(principles_qs, "title", "text"),
        requirements=matching(requirements_qs, "text"),
    )


# Acknowledgements -----------------------------------------------------------------


def acknowledgements_pending(employee: Employee) -> QuerySet[Acknowledgement]:
    return (
        Acknowledgement.objects.filter(employee=employee, acknowledged_at__isnull=True)
        .select_related("version__book", "base_version")
        .order_by("version__number")
    )


@dataclass
class PendingChanges:
    """What changed for one employee since the last version they acknowledged."""

    pending: list[Acknowledgement]
    base: BookVersion | None
    latest: BookVersion
    diff: BookDiff | None


def pending_changes_for(employee: Employee) -> PendingChanges | None:
    pending = list(acknowledgements_pending(employee))
    if not pending:
        return None
    base = pending[0].base_version
    latest = pending[-1].version
    diff = None
    if base is not None:
        diff = version_diff(base, latest).limited_to(employee.position_id, employee.gender)
    return PendingChanges(pending=pending, base=base, latest=latest, diff=diff)


@dataclass
class DepartmentRate:
    department: Department
    required: int
    acknowledged: int

    @property
    def missing(self) -> int:
        return self.required - self.acknowledged

    @property
    def percent(self) -> int | None:
        if not self.required:
            return None
        return round(100 * self.acknowledged / self.required)


def acknowledgement_rates(
    version: BookVersion, departments: QuerySet[Department]
) -> list[DepartmentRate]:
    """Per department, counting the department and every department below it."""
    department_list = list(departments.order_by("path"))
    direct = {
        row["employee__department_id"]: row
        for row in Acknowledgement.objects.filter(
            version=version, employee__department__in=[d.pk for d in department_list]
        )
        .values("employee__department_id")
        .annotate(
            required=Count("id"),
            acknowledged=Count("id", filter=Q(acknowledged_at__isnull=False)),
        )
    }
    by_id = {department.pk: department for department in department_list}
    totals = {department.pk: [0, 0] for department in department_list}
    for department_id, row in direct.items():
        for ancestor_id in by_id[department_id].ancestor_ids:
            if ancestor_id in totals:
                totals[ancestor_id][0] += row["required"]
                totals[ancestor_id][1] += row["acknowledged"]
    return [
        DepartmentRate(
            department=department,
            required=totals[department.pk][0],
            acknowledged=totals[department.pk][1],
        )
        for department in department_list
    ]


def acknowledgements_missing(
    version: BookVersion, departments: QuerySet[Department]
) -> QuerySet[Acknowledgement]:
    return (
        Acknowledgement.objects.filter(
            version=version, acknowledged_at__isnull=True, employee__department__in=departments
        )
        .select_related("employee__department", "employee__position")
        .order_by("employee__department__path", "employee__full_name")
    )

"""Reads for NPS: what a user may see, the figures for a selection, the top problems."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from core.types import Viewer
from journeys.models import Step
from roles.models import Employee, ProgramRole
from roles.permissions import employee_of, has_role, is_manager
from roles.selectors import departments_visible_to, employees_visible_to

from . import scoring
from .models import ExportJob, Invitation, ProblemTag, Response, ResponseTag, Survey

TOP_PROBLEMS_DAYS = 30
TOP_PROBLEMS_LIMIT = 10


def sees_all_responses(user: Viewer) -> bool:
    """Superusers and API-client logins read the whole company (BI, payroll)."""
    return bool(getattr(user, "is_superuser", False)) or has_role(user, ProgramRole.API_CLIENT)


def responses_visible_to(user: Viewer) -> QuerySet[Response]:
    """A manager: responses of their department subtree; an API client: all; staff: their own."""
    responses = Response.objects.all()
    if sees_all_responses(user):
        return responses
    if is_manager(user):
        return responses.filter(department__in=departments_visible_to(user))
    employee = employee_of(user)
    if employee is not None and has_role(user, ProgramRole.STAFF):
        return responses.filter(employee=employee)
    return responses.none()


def surveys_visible_to(user: Viewer) -> QuerySet[Survey]:
    surveys = Survey.objects.select_related("department", "employee", "step")
    if sees_all_responses(user):
        return surveys
    if is_manager(user):
        return surveys.filter(department__in=departments_visible_to(user))
    return surveys.none()


def employees_for_filter(user: Viewer) -> QuerySet[Employee]:
    if sees_all_responses(user):
        return Employee.objects.select_related("department")
    return employees_visible_to(user)


def departments_for_filter(user: Viewer) -> QuerySet[Any]:
    if sees_all_responses(user):
        from roles.models import Department

        return Department.objects.all()
    return departments_visible_to(user)


def steps_for_choice() -> QuerySet[Step]:
    """Every step of the (company-wide) journey map, in map order."""
    return Step.objects.select_related("stage__journey").order_by(
        "stage__journey__name", "stage__order", "stage_id", "order", "id"
    )


def invitations_visible_to(user: Viewer) -> QuerySet[Invitation]:
    return Invitation.objects.filter(survey__in=surveys_visible_to(user)).select_related(
        "survey", "employee", "step"
    )


def responses_for_list(queryset: QuerySet[Response]) -> QuerySet[Response]:
    """What a list row shows, in a fixed number of queries whatever the page size."""
    return queryset.select_related(
        "survey", "department", "employee", "step", "invitation", "follow_up_by"
    ).prefetch_related("tags")


def nps_figure(queryset: QuerySet[Response]) -> scoring.NpsFigure:
    """The NPS of a selection, with its counts, in one query."""
    counts = queryset.order_by().aggregate(
        promoters=Count("pk", filter=Q(score__gte=9)),
        passives=Count("pk", filter=Q(score__gte=7, score__lte=8)),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    return scoring.NpsFigure(
        promoters=counts["promoters"] or 0,
        passives=counts["passives"] or 0,
        detractors=counts["detractors"] or 0,
    )


GROUPINGS = ("department", "employee", "step", "survey", "month")


@dataclass(frozen=True)
class GroupFigure:
    key: str | None
    label: str
    figure: scoring.NpsFigure


def nps_grouped(queryset: QuerySet[Response], *, by: str) -> list[GroupFigure]:
    """The NPS per department, employee, step, survey or month of a selection.

    Per department counts the responses attributed to that department itself; the
    roll-up over a subtree is the scorecards' business. Responses without an employee
    or a step form a group of their own (key None).
    """
    if by not in GROUPINGS:
        raise ValueError(f"Unknown grouping {by!r}")
    counts = {
        "promoters": Count("pk", filter=Q(score__gte=9)),
        "passives": Count("pk", filter=Q(score__gte=7, score__lte=8)),
        "detractors": Count("pk", filter=Q(score__lte=6)),
    }
    queryset = queryset.order_by()
    if by == "month":
        rows = (
            queryset.annotate(
                group=TruncMonth("submitted_at", tzinfo=timezone.get_current_timezone())
            )
            .values("group")
            .annotate(**counts)
            .order_by("group")
        )
        return [
            GroupFigure(
                key=_month_key(row["group"]),
                label=_month_key(row["group"]) or "",
                figure=_figure(dict(row)),
            )
            for row in rows
        ]
    label_field = {
        "department": "department__name",
        "employee": "employee__full_name",
        "step": "step__name",
        "survey": "survey__name",
    }[by]
    rows = (
        queryset.values(f"{by}_id", label_field)
        .annotate(**counts)
        .order_by(label_field, f"{by}_id")
    )
    return [
        GroupFigure(
            key=None if row[f"{by}_id"] is None else str(row[f"{by}_id"]),
            label=row[label_field] or "",
            figure=_figure(row),
        )
        for row in rows
    ]


def _month_key(value: datetime.datetime | datetime.date | None) -> str | None:
    if value is None:
        return None
    return f"{value.year:04d}-{value.month:02d}"


def _figure(row: dict[str, Any]) -> scoring.NpsFigure:
    return scoring.NpsFigure(
        promoters=row["promoters"], passives=row["passives"], detractors=row["detractors"]
    )


@dataclass(frozen=True)
class ProblemCount:
    tag: ProblemTag
    count: int


def top_problems(
    queryset: QuerySet[Response],
    *,
    days: int = TOP_PROBLEMS_DAYS,
    limit: int = TOP_PROBLEMS_LIMIT,
    now: datetime.datetime | None = None,
) -> list[ProblemCount]:
    """The problem tags met most often among the selection's responses of the last `days`."""
    since = (now or timezone.now()) - datetime.timedelta(days=days)
    rows = list(
        ResponseTag.objects.filter(
            response__in=queryset.order_by().values("pk"), response__submitted_at__gte=since
        )
        .values("tag_id")
        .annotate(count=Count("id"))
        .order_by("-count", "tag_id")[:limit]
    )
    tags = ProblemTag.objects.in_bulk([row["tag_id"] for row in rows])
    result = [ProblemCount(tag=tags[row["tag_id"]], count=row["count"]) for row in rows]
    result.sort(key=lambda item: (-item.count, item.tag.name.casefold()))
    return result


def tags_for_choice(response: Response | None = None) -> QuerySet[ProblemTag]:
    """Active tags, plus those already on the response even if since deactivated."""
    condition = Q(is_active=True)
    if response is not None:
        condition |= Q(responses=response)
    return ProblemTag.objects.filter(condition).distinct().order_by("name")


def tags_with_counts(*, now: datetime.datetime | None = None) -> QuerySet[ProblemTag]:
    since = (now or timezone.now()) - datetime.timedelta(days=TOP_PROBLEMS_DAYS)
    return ProblemTag.objects.annotate(
        total=Count("response_links", distinct=True),
        recent=Count(
            "response_links",
            filter=Q(response_links__response__submitted_at__gte=since),
            distinct=True,
        ),
    ).order_by("-is_active", "name")


def export_jobs_of(user: Viewer) -> QuerySet[ExportJob]:
    """Export files belong to whoever asked for them, and to nobody else."""
    if not getattr(user, "is_authenticated", False):
        return ExportJob.objects.none()
    return ExportJob.objects.filter(requested_by_id=user.pk)

"""The response filters: one definition for the manager list, the API and the exports.

Every filter is validated: an unknown department, a bad date or a score outside 0-10
is an error naming the field (400 in the API, the form's field error on a page),
never silently ignored.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journeys.models import Step
from roles.models import Department, Employee

from . import scoring
from .models import FollowUp, ProblemTag, Response, Survey
from .selectors import (
    departments_for_filter,
    employees_for_filter,
    steps_for_choice,
    surveys_visible_to,
)

CATEGORY_CHOICES = [
    (scoring.PROMOTER, _("Promoters (9-10)")),
    (scoring.PASSIVE, _("Passives (7-8)")),
    (scoring.DETRACTOR, _("Detractors (0-6)")),
]
FOLLOW_UP_CHOICES = [
    (FollowUp.OPEN, FollowUp.OPEN.label),
    (FollowUp.CONTACTED, FollowUp.CONTACTED.label),
    (FollowUp.RESOLVED, FollowUp.RESOLVED.label),
]

# The query parameters the filters understand, in the order forms show them.
FILTER_FIELDS = (
    "date_from",
    "date_to",
    "department",
    "employee",
    "step",
    "survey",
    "category",
    "score",
    "tag",
    "follow_up",
    "q",
)


def _user(request: Any) -> Any:
    return getattr(request, "user", None)


def _departments(request: Any) -> QuerySet[Department]:
    return departments_for_filter(_user(request))


def _employees(request: Any) -> QuerySet[Employee]:
    return employees_for_filter(_user(request))


def _surveys(request: Any) -> QuerySet[Survey]:
    return surveys_visible_to(_user(request))


def _steps(request: Any) -> QuerySet[Step]:
    return steps_for_choice()


# Days far outside any survey's life are clamped, so that converting them to UTC
# never leaves the calendar (year 1 or 9999 would overflow).
EARLIEST_DAY = datetime.date(1900, 1, 1)
LATEST_DAY = datetime.date(9000, 1, 1)


def day_start(day: datetime.date) -> datetime.datetime:
    """The first instant of a local calendar day, as an aware datetime."""
    day = min(max(day, EARLIEST_DAY), LATEST_DAY)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class ResponseFilterForm(forms.Form):
    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned


class ScoreFilter(django_filters.Filter):
    field_class = forms.IntegerField


class ResponseFilter(django_filters.FilterSet):
    date_from = django_filters.DateFilter(
        label=_("From"), method="filter_date_from", help_text=_("First day, YYYY-MM-DD.")
    )
    date_to = django_filters.DateFilter(
        label=_("To"), method="filter_date_to", help_text=_("Last day (included), YYYY-MM-DD.")
    )
    department = django_filters.ModelChoiceFilter(
        label=_("Department"),
        queryset=_departments,
        method="filter_department",
        help_text=_("Department id; the departments below it are included."),
    )
    employee = django_filters.ModelChoiceFilter(
        label=_("Employee"), queryset=_employees, help_text=_("Employee id.")
    )
    step = django_filters.ModelChoiceFilter(
        label=_("Journey step"), queryset=_steps, help_text=_("Journey step id.")
    )
    survey = django_filters.ModelChoiceFilter(
        label=_("Survey"), queryset=_surveys, help_text=_("Survey id.")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=CATEGORY_CHOICES, method="filter_category"
    )
    score = ScoreFilter(
        label=_("Score"), min_value=0, max_value=10, help_text=_("Exact score, 0 to 10.")
    )
    tag = django_filters.ModelChoiceFilter(
        label=_("Problem tag"),
        queryset=ProblemTag.objects.order_by("name"),
        field_name="tags",
        help_text=_("Problem tag id."),
    )
    follow_up = django_filters.ChoiceFilter(
        label=_("Follow-up"), choices=FOLLOW_UP_CHOICES, field_name="follow_up_status"
    )
    q = django_filters.CharFilter(
        label=_("Comment contains"),
        method="filter_text",
        max_length=200,
        help_text=_("Words from the comment."),
    )

    class Meta:
        model = Response
        fields = list(FILTER_FIELDS)
        form = ResponseFilterForm

    def filter_date_from(
        self, queryset: QuerySet[Response], name: str, value: datetime.date
    ) -> QuerySet[Response]:
        return queryset.filter(submitted_at__gte=day_start(value))

    def filter_date_to(
        self, queryset: QuerySet[Response], name: str, value: datetime.date
    ) -> QuerySet[Response]:
        if value >= LATEST_DAY:
            return queryset
        return queryset.filter(submitted_at__lt=day_start(value + datetime.timedelta(days=1)))

    def filter_department(
        self, queryset: QuerySet[Response], name: str, value: Department
    ) -> QuerySet[Response]:
        return queryset.filter(department__path__startswith=value.path)

    def filter_category(
        self, queryset: QuerySet[Response], name: str, value: str
    ) -> QuerySet[Response]:
        low, high = scoring.score_range(value)
        return queryset.filter(score__gte=low, score__lte=high)

    def filter_text(
        self, queryset: QuerySet[Response], name: str, value: str
    ) -> QuerySet[Response]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(comment__icontains=value))


def filter_for_user(
    *, user: Any, data: dict[str, Any], queryset: QuerySet[Response]
) -> ResponseFilter:
    """The filters bound outside a request (an export job in a worker)."""
    return ResponseFilter(data=data, queryset=queryset, request=SimpleNamespace(user=user))


def clean_filter_data(data: Any) -> dict[str, str]:
    """The filter parameters present in a query, as plain strings (for storing on a job)."""
    result: dict[str, str] = {}
    for name in FILTER_FIELDS:
        value = data.get(name)
        if value not in (None, ""):
            result[name] = str(value)
    return result

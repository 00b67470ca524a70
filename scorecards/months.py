"""Months as the figures count them: calendar months in the company's time zone.

A month is represented by the date of its first day; tasks and URLs carry it as an
ISO string ("2025-03-01", or "2025-03" in a URL).
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.utils import timezone

# The nightly recompute and the staff chart go back this many months (this one included).
HISTORY_MONTHS = 13


def company_timezone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def first_day(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_of(moment: datetime.datetime) -> datetime.date:
    """The month an instant counts in (the company's local calendar)."""
    return first_day(timezone.localtime(moment, company_timezone()).date())


def current_month(today: datetime.date | None = None) -> datetime.date:
    if today is None:
        today = timezone.localtime(timezone.now(), company_timezone()).date()
    return first_day(today)


def add_months(month: datetime.date, count: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The first instant of the month and of the next one, as aware datetimes."""
    zone = company_timezone()
    start = datetime.datetime.combine(first_day(month), datetime.time.min, tzinfo=zone)
    end = datetime.datetime.combine(add_months(first_day(month), 1), datetime.time.min, tzinfo=zone)
    return start, end


def recent_months(
    count: int = HISTORY_MONTHS, *, until: datetime.date | None = None
) -> list[datetime.date]:
    """The last `count` months up to `until` (default: this month), oldest first."""
    last = first_day(until) if until else current_month()
    return [add_months(last, offset) for offset in range(1 - count, 1)]


def parse_month(value: str | None) -> datetime.date | None:
    """ "2025-03" or "2025-03-01" -> date(2025, 3, 1); None for anything else."""
    if not value:
        return None
    text = value.strip()
    try:
        if len(text) == 7:
            parsed = datetime.datetime.strptime(text, "%Y-%m").date()
        else:
            parsed = datetime.date.fromisoformat(text)
    except ValueError:
        return None
    if not 2000 <= parsed.year <= 2999:
        return None
    return first_day(parsed)


def month_param(month: datetime.date) -> str:
    return f"{month.year:04d}-{month.month:02d}"

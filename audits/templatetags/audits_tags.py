"""Small helpers for the audit pages."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def score(value: Decimal | None) -> str:
    """83.3 % (localized), or "no score" when nothing applied: never 0 or 100 instead."""
    if value is None:
        return _("no score")
    return f"{floatformat(value, 1)} %"


@register.filter
def figures(step_or_audit: object) -> str:
    """earned / applicable, e.g. "7 / 9"."""
    earned = getattr(step_or_audit, "earned", None)
    applicable = getattr(step_or_audit, "applicable", None)
    if earned is None or applicable is None:
        return ""
    return f"{earned} / {applicable}"


@register.simple_tag
def error_for(errors: dict[str, str], prefix: str, pk: object) -> str:
    """The error of the form field `<prefix>-<pk>`, if any."""
    return errors.get(f"{prefix}-{pk}", "") if errors else ""

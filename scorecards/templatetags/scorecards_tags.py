"""Template helpers for figures: percentages, changes, NPS with its n."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

from scorecards.formatting import coefficient_text, floor_text

register = template.Library()


@register.filter
def percent(value: Decimal | None, places: int = 2) -> str:
    """62.5 -> "62.50 %"; None -> "no data" (never 0)."""
    if value is None:
        return _("no data")
    return f"{formats.number_format(value, int(places))} %"


@register.filter
def change(value: Decimal | int | None, places: int = 2) -> str:
    """A change from the month before, with its sign: "+1.25", "−3.00", "±0"."""
    if value is None:
        return ""
    if value == 0:
        return "±0"
    sign = "+" if value > 0 else "−"
    if isinstance(value, int):
        return f"{sign}{abs(value)}"
    return f"{sign}{formats.number_format(abs(Decimal(value)), int(places))}"


@register.filter
def change_class(value: Decimal | int | None) -> str:
    if value is None or value == 0:
        return "change-none"
    return "change-up" if value > 0 else "change-down"


@register.filter
def coefficient(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return coefficient_text(value)


@register.filter
def floor(value: Decimal | None) -> str:
    return "" if value is None else floor_text(value)


@register.filter
def nps_text(figure: Any) -> str:
    """ "25 (n = 4)" or "no data"."""
    if not getattr(figure, "responses", 0):
        return _("no data")
    return _("%(nps)s (n = %(n)s)") % {"nps": figure.nps, "n": figure.responses}


@register.filter
def indent(depth: int) -> str:
    return f"padding-left: {int(depth) * 1.1:.1f}rem"


@register.inclusion_tag("scorecards/_home_summary.html", takes_context=True)
def scorecard_summary(context: Any) -> dict[str, Any]:
    """This month's figures on the start page: one's own, and a manager's department."""
    from roles.models import ProgramRole
    from roles.permissions import employee_of, has_role, is_manager
    from scorecards import selectors
    from scorecards.months import current_month
    from scorecards.permissions import departments_in_scope

    request = context.get("request")
    user = getattr(request, "user", None)
    month = current_month()
    summary: dict[str, Any] = {"month": month}
    employee = employee_of(user)
    if employee is not None and has_role(user, ProgramRole.STAFF):
        figures = selectors.employee_month(employee, month)
        summary["mine"] = figures
        summary["incentive"] = selectors.incentive_rules().incentive(
            figures, position_id=employee.position_id, month=month
        )
    if is_manager(user):
        department = departments_in_scope(user).order_by("path").first()
        if department is not None:
            summary["department"] = department
            summary["department_figures"] = selectors.department_history(department, [month]).get(
                month
            )
    summary["show"] = "mine" in summary or "department" in summary
    return summary

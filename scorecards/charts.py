"""Charts drawn on the server as SVG: no script, readable on a phone and by a screen
reader (each chart carries its figures as text)."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

# Sized so that thirteen months fit a phone's width at a readable text size.
BAR_WIDTH = 22
GAP = 6
PLOT_HEIGHT = 110
TOP = 22
BOTTOM = 26
LEFT = 30


@dataclass(frozen=True)
class Point:
    month: datetime.date
    value: Decimal | None
    # Emphasised (the month being looked at).
    current: bool = False


def _label(month: datetime.date) -> str:
    return formats.date_format(month, "M")


def _value_text(value: Decimal | None) -> str:
    if value is None:
        return _("no data")
    return f"{formats.number_format(value, 1)}%"


def compliance_chart(points: Sequence[Point], *, title: str) -> SafeString:
    """Bars from 0 to 100 %, one per month; a month without a figure shows a dashed stub."""
    width = LEFT + len(points) * (BAR_WIDTH + GAP) + GAP
    height = TOP + PLOT_HEIGHT + BOTTOM
    base = TOP + PLOT_HEIGHT
    summary = "; ".join(
        f"{formats.date_format(point.month, 'F Y')}: {_value_text(point.value)}" for point in points
    )
    grid = format_html_join(
        "",
        '<line x1="{}" x2="{}" y1="{}" y2="{}" class="chart-grid"/>'
        '<text x="{}" y="{}" class="chart-axis" text-anchor="end">{}</text>',
        (
            (LEFT, width, base - PLOT_HEIGHT * level // 100, base - PLOT_HEIGHT * level // 100,
             LEFT - 4, base - PLOT_HEIGHT * level // 100 + 4, f"{level}")
            for level in (0, 50, 100)
        ),
    )  # fmt: skip
    bars = []
    for index, point in enumerate(points):
        x = LEFT + GAP + index * (BAR_WIDTH + GAP)
        centre = x + BAR_WIDTH // 2
        css = "chart-bar chart-current" if point.current else "chart-bar"
        if point.value is None:
            bar = format_html(
                '<rect x="{}" y="{}" width="{}" height="4" class="chart-empty"/>'
                '<text x="{}" y="{}" class="chart-value" text-anchor="middle">–</text>',
                x, base - 4, BAR_WIDTH, centre, base - 8,
            )  # fmt: skip
        else:
            clamped = min(max(point.value, Decimal(0)), Decimal(100))
            bar_height = max(int(clamped * PLOT_HEIGHT / 100), 1)
            bar = format_html(
                '<rect x="{}" y="{}" width="{}" height="{}" class="{}" rx="2"/>'
                '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}</text>',
                x, base - bar_height, BAR_WIDTH, bar_height, css,
                centre, base - bar_height - 5, f"{point.value:.0f}",
            )  # fmt: skip
        label = format_html(
            '<text x="{}" y="{}" class="chart-month{}" text-anchor="middle">{}</text>',
            centre, base + 18, " chart-current-label" if point.current else "", _label(point.month),
        )  # fmt: skip
        bars.append(bar + label)
    return format_html(
        '<figure class="chart"><svg viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'preserveAspectRatio="xMinYMin meet" focusable="false"><title>{}</title>{}{}</svg>'
        '<figcaption class="muted">{}</figcaption></figure>',
        width, height, f"{title}: {summary}", title, grid, SafeString("".join(bars)), title,
    )  # fmt: skip

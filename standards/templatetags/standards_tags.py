"""Template helpers of the standards book."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

from standards.diff import WordSegment
from standards.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Markdown rendered and sanitized."""
    return render_markdown(text or "")


_TAGS = {"equal": "span", "insert": "ins", "delete": "del"}


@register.filter
def words(segments: list[WordSegment] | None) -> SafeString:
    """A word diff as <del>/<ins> runs; the text itself is escaped."""
    return format_html_join(
        "", "<{}>{}</{}>", ((_TAGS[s.op], s.text, _TAGS[s.op]) for s in segments or [])
    )


@register.inclusion_tag("standards/includes/banner_if_pending.html", takes_context=True)
def acknowledgement_banner(context: dict[str, Any]) -> dict[str, Any]:
    """The "what changed for you" banner, for any page: `{% acknowledgement_banner %}`."""
    from roles.permissions import employee_of
    from standards.selectors import acknowledgements_pending

    request = context.get("request")
    employee = employee_of(getattr(request, "user", None))
    return {"show": employee is not None and acknowledgements_pending(employee).exists()}

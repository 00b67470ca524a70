"""Markdown for the long texts of the book, rendered and then sanitized.

Markdown passes raw HTML through, so the output is cleaned with nh3 (a maintained
allow-list sanitizer): only formatting tags survive, no script, no event handler,
no javascript: link.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "ins", "code", "pre",
    "blockquote", "ul", "ol", "li", "h3", "h4", "h5", "h6", "a", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Markdown to safe HTML. Headings start at h3: the page owns h1 and h2."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(text, extensions=["sane_lists", "tables"], output_format="html")
    html = (
        html.replace("<h1>", "<h3>").replace("</h1>", "</h3>")
        .replace("<h2>", "<h4>").replace("</h2>", "</h4>")
    )  # fmt: skip
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)

"""Template helpers shared by every app's templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def widget(field: BoundField, **attrs: Any) -> SafeString:
    """Render a field's widget with accessible error wiring and extra attributes."""
    final: dict[str, Any] = {key.replace("_", "-"): value for key, value in attrs.items() if value}
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        final["aria-invalid"] = "true"
        described.append(f"{field.auto_id}-errors")
    if described:
        final["aria-describedby"] = " ".join(described)
    return field.as_widget(attrs=final)

"""Template filters every app may use."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def lookup(mapping: Mapping[object, object] | None, key: object) -> object:
    """`rows|lookup:item.pk`: the value a view prepared for one object, or None."""
    if mapping is None:
        return None
    return mapping.get(key)

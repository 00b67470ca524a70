"""How figures read: no trailing zeros people have to skip, the locale's decimal mark."""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats


def _places(value: Decimal, *, at_least: int) -> int:
    exponent = value.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return max(places, at_least)


def floor_text(value: Decimal) -> str:
    """A band's percentage: 85.00 -> "85", 92.50 -> "92.5"."""
    return formats.number_format(value, _places(value, at_least=0))


def coefficient_text(value: Decimal) -> str:
    """A coefficient: 1.150 -> "1.15", 1.000 -> "1.00", 1.125 -> "1.125"."""
    return formats.number_format(value, _places(value, at_least=2))


def percent_text(value: Decimal) -> str:
    """A compliance percentage as stored: two decimals."""
    return formats.number_format(value, 2)

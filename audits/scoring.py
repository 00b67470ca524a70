"""The audit score, as DESIGN.md defines it. Pure functions: no database, no Django.

For each step of an audit:
- applicable = the sum of the weights of the items answered yes or no
  (n.a. and unanswered items count nowhere);
- earned = the sum of the weights answered yes, or 0 when a critical item of the
  step was answered no.
Audit score = sum of earned / sum of applicable over its steps, as a percentage.
Nothing applicable means no score at all: None, never 0 and never 100.

Figures are whole numbers (weights are 1-3), so the stored earned/applicable pairs
are exact and a rollup over many audits only adds integers; the percentage is
derived with Decimal arithmetic and rounded half up to two places once, at the end.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

YES = "yes"
NO = "no"
NOT_APPLICABLE = "na"
ANSWERS = (YES, NO, NOT_APPLICABLE)

_HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class ItemAnswer:
    """One checklist item as the score sees it. `answer` is None while unanswered."""

    weight: int
    critical: bool
    answer: str | None


@dataclass(frozen=True)
class Figures:
    """Earned and applicable weight of a step, or of a whole audit."""

    earned: int
    applicable: int
    # A critical item of the step was answered no (always False for totals).
    critical_failed: bool = False

    @property
    def percent(self) -> Decimal | None:
        return percent(self.earned, self.applicable)


def percent(earned: int, applicable: int) -> Decimal | None:
    """earned / applicable as a percentage with two decimals; None when nothing applied."""
    if applicable <= 0:
        return None
    value = Decimal(earned) * 100 / Decimal(applicable)
    return value.quantize(_HUNDREDTH, rounding=ROUND_HALF_UP)


def score_step(items: Iterable[ItemAnswer]) -> Figures:
    applicable = 0
    earned = 0
    critical_failed = False
    for item in items:
        if item.answer not in (YES, NO):
            continue
        if item.weight < 0:
            raise ValueError("A weight cannot be negative.")
        applicable += item.weight
        if item.answer == YES:
            earned += item.weight
        elif item.critical:
            critical_failed = True
    if critical_failed:
        earned = 0
    return Figures(earned=earned, applicable=applicable, critical_failed=critical_failed)


def score_total(steps: Iterable[Figures]) -> Figures:
    earned = 0
    applicable = 0
    for step in steps:
        earned += step.earned
        applicable += step.applicable
    return Figures(earned=earned, applicable=applicable)


def score_audit(steps: Iterable[Iterable[ItemAnswer]]) -> tuple[list[Figures], Figures]:
    """Each step's figures, in the order given, and the audit's total."""
    per_step = [score_step(items) for items in steps]
    return per_step, score_total(per_step)

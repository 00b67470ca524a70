"""NPS arithmetic, in one place and free of the database.

Promoters answer 9-10, passives 7-8, detractors 0-6. NPS = % promoters - % detractors,
rounded half away from zero to a whole number between -100 and 100. No responses
means no NPS (None), never 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

PROMOTER = "promoter"
PASSIVE = "passive"
DETRACTOR = "detractor"
CATEGORIES = (PROMOTER, PASSIVE, DETRACTOR)

MIN_SCORE = 0
MAX_SCORE = 10

# Below this many responses the figure moves a lot with every answer: pages show
# the margin of error next to it.
SMALL_SAMPLE = 100

# Two-sided 95 % confidence.
_Z_95 = 1.96


def category(score: int) -> str:
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"An NPS score is a whole number from 0 to 10, not {score!r}")
    if score >= 9:
        return PROMOTER
    if score >= 7:
        return PASSIVE
    return DETRACTOR


def score_range(name: str) -> tuple[int, int]:
    """The lowest and highest score of a category, both included."""
    return {PROMOTER: (9, 10), PASSIVE: (7, 8), DETRACTOR: (0, 6)}[name]


def nps_value(*, promoters: int, passives: int, detractors: int) -> int | None:
    """% promoters - % detractors, rounded half away from zero; None without responses.

    Decimal arithmetic: the exact value 100 * (P - D) / n is a fraction, and Python's
    round() rounds half to even (and binary floats are not exact halves anyway).
    """
    if min(promoters, passives, detractors) < 0:
        raise ValueError("Response counts cannot be negative")
    total = promoters + passives + detractors
    if total == 0:
        return None
    exact = Decimal(100 * (promoters - detractors)) / Decimal(total)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def nps_margin(*, promoters: int, passives: int, detractors: int) -> int | None:
    """Half-width of the 95 % confidence interval of the NPS, in points (rounded up).

    NPS is the mean of a variable that is +1 for a promoter, 0 for a passive and -1 for
    a detractor, so its variance is p + d - (p - d)^2. One pseudo-response is added to
    each category before estimating the shares, so that one or two identical answers
    do not claim a margin of zero. Capped at 200 (the whole scale).
    """
    total = promoters + passives + detractors
    if total == 0:
        return None
    adjusted = total + 3
    share_promoters = (promoters + 1) / adjusted
    share_detractors = (detractors + 1) / adjusted
    variance = share_promoters + share_detractors - (share_promoters - share_detractors) ** 2
    margin = 100 * _Z_95 * math.sqrt(variance / total)
    return min(math.ceil(margin), 200)


@dataclass(frozen=True)
class NpsFigure:
    """An NPS with what it stands on: always shown with its n."""

    promoters: int
    passives: int
    detractors: int

    @property
    def responses(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def nps(self) -> int | None:
        return nps_value(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )

    @property
    def margin(self) -> int | None:
        return nps_margin(
            promoters=self.promoters, passives=self.passives, detractors=self.detractors
        )

    @property
    def is_small_sample(self) -> bool:
        return 0 < self.responses < SMALL_SAMPLE

    def share(self, name: str) -> int:
        """Whole-percent share of a category (for the bar under the figure)."""
        if not self.responses:
            return 0
        count = {
            PROMOTER: self.promoters,
            PASSIVE: self.passives,
            DETRACTOR: self.detractors,
        }[name]
        exact = Decimal(100 * count) / Decimal(self.responses)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    @property
    def promoter_share(self) -> int:
        return self.share(PROMOTER)

    @property
    def passive_share(self) -> int:
        return self.share(PASSIVE)

    @property
    def detractor_share(self) -> int:
        return self.share(DETRACTOR)


def figure_from_scores(scores: list[int]) -> NpsFigure:
    counts = {PROMOTER: 0, PASSIVE: 0, DETRACTOR: 0}
    for score in scores:
        counts[category(score)] += 1
    return NpsFigure(
        promoters=counts[PROMOTER], passives=counts[PASSIVE], detractors=counts[DETRACTOR]
    )

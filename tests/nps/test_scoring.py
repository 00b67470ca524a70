"""NPS arithmetic against a plain reference implementation (exact fractions)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nps import scoring


def reference_nps(scores: list[int]) -> int | None:
    """Counted one by one, divided exactly, rounded half away from zero by hand."""
    if not scores:
        return None
    promoters = sum(1 for score in scores if score >= 9)
    detractors = sum(1 for score in scores if score <= 6)
    exact = Fraction(100 * (promoters - detractors), len(scores))
    magnitude = abs(exact)
    rounded = math.floor(magnitude + Fraction(1, 2))
    return rounded if exact >= 0 else -rounded


scores_lists = st.lists(st.integers(min_value=0, max_value=10), max_size=400)


@given(scores_lists)
def test_nps_matches_the_reference(scores: list[int]) -> None:
    assert scoring.figure_from_scores(scores).nps == reference_nps(scores)


@given(scores_lists)
def test_nps_stays_within_minus_100_and_100(scores: list[int]) -> None:
    nps = scoring.figure_from_scores(scores).nps
    assert nps is None or -100 <= nps <= 100


@given(scores_lists)
def test_the_counts_add_up_to_the_number_of_responses(scores: list[int]) -> None:
    figure = scoring.figure_from_scores(scores)
    assert figure.responses == len(scores)
    assert figure.promoters + figure.passives + figure.detractors == len(scores)


@given(st.integers(min_value=0, max_value=10))
def test_one_response_gives_100_0_or_minus_100(score: int) -> None:
    expected = {scoring.PROMOTER: 100, scoring.PASSIVE: 0, scoring.DETRACTOR: -100}
    assert scoring.figure_from_scores([score]).nps == expected[scoring.category(score)]


def test_no_responses_means_no_nps_and_no_margin() -> None:
    figure = scoring.figure_from_scores([])
    assert figure.nps is None
    assert figure.margin is None
    assert figure.responses == 0
    assert not figure.is_small_sample


@pytest.mark.parametrize(
    ("promoters", "passives", "detractors", "expected"),
    [
        (1, 0, 1, 0),
        # 100 * 1/8 = 12.5 -> 13 (half away from zero, not to even)
        (1, 7, 0, 13),
        (0, 7, 1, -13),
        # 100 * 3/8 = 37.5 -> 38; round() would also give 38, but 100 * 5/8 = 62.5 -> 63
        (5, 3, 0, 63),
        (0, 3, 5, -63),
        # 100 * 1/3 = 33.33 -> 33, 100 * 2/3 = 66.67 -> 67
        (1, 2, 0, 33),
        (2, 1, 0, 67),
        (1, 1, 1, 0),
    ],
)
def test_rounding_is_half_away_from_zero(
    promoters: int, passives: int, detractors: int, expected: int
) -> None:
    assert (
        scoring.nps_value(promoters=promoters, passives=passives, detractors=detractors) == expected
    )


@pytest.mark.parametrize(
    ("score", "category"),
    [
        (0, "detractor"),
        (6, "detractor"),
        (7, "passive"),
        (8, "passive"),
        (9, "promoter"),
        (10, "promoter"),
    ],
)
def test_categories_have_their_borders_at_6_7_and_8_9(score: int, category: str) -> None:
    assert scoring.category(score) == category


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_a_score_outside_0_to_10_is_refused(score: int) -> None:
    with pytest.raises(ValueError):
        scoring.category(score)


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        scoring.nps_value(promoters=-1, passives=0, detractors=0)


@given(scores_lists.filter(bool))
def test_the_margin_shrinks_as_the_same_mix_grows(scores: list[int]) -> None:
    small = scoring.figure_from_scores(scores).margin
    large = scoring.figure_from_scores(scores * 4).margin
    assert small is not None and large is not None
    assert 0 < large <= small <= 200


def test_one_answer_does_not_claim_a_margin_of_zero() -> None:
    figure = scoring.figure_from_scores([10])
    assert figure.margin is not None and figure.margin > 50
    assert figure.is_small_sample


def test_a_large_sample_is_not_flagged_small() -> None:
    assert not scoring.figure_from_scores([10] * scoring.SMALL_SAMPLE).is_small_sample


def test_shares_are_whole_percents() -> None:
    figure = scoring.figure_from_scores([10, 10, 8, 3, 3, 3, 3, 3])
    assert (figure.promoter_share, figure.passive_share, figure.detractor_share) == (25, 13, 63)

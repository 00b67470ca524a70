"""The audit score (DESIGN.md "Audit score"), each rule with numbers worked by hand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from audits.scoring import (
    NO,
    NOT_APPLICABLE,
    YES,
    Figures,
    ItemAnswer,
    percent,
    score_audit,
    score_step,
    score_total,
)


def item(weight: int, answer: str | None, critical: bool = False) -> ItemAnswer:
    return ItemAnswer(weight=weight, critical=critical, answer=answer)


def test_a_step_earns_the_weights_answered_yes_out_of_those_answered_yes_or_no():
    # yes 3 + yes 2 + no 1: applicable 3+2+1 = 6, earned 3+2 = 5
    figures = score_step([item(3, YES), item(2, YES), item(1, NO)])
    assert (figures.earned, figures.applicable) == (5, 6)
    assert figures.percent == Decimal("83.33")  # 5/6 = 83.333...


def test_not_applicable_counts_nowhere():
    # yes 2, n.a. 3, no 1: the n.a. weight 3 is neither earned nor applicable
    figures = score_step([item(2, YES), item(3, NOT_APPLICABLE), item(1, NO)])
    assert (figures.earned, figures.applicable) == (2, 3)
    assert figures.percent == Decimal("66.67")  # 2/3


def test_an_unanswered_item_counts_nowhere_either():
    figures = score_step([item(2, YES), item(3, None)])
    assert (figures.earned, figures.applicable) == (2, 2)


def test_a_critical_requirement_answered_no_sets_its_step_to_zero():
    # yes 3 + yes 2 + critical no 1: applicable still 6, earned 0
    figures = score_step([item(3, YES), item(2, YES), item(1, NO, critical=True)])
    assert (figures.earned, figures.applicable) == (0, 6)
    assert figures.critical_failed
    assert figures.percent == Decimal("0.00")


def test_a_critical_requirement_answered_yes_or_na_changes_nothing():
    kept = score_step([item(3, YES, critical=True), item(1, NO)])
    skipped = score_step([item(3, NOT_APPLICABLE, critical=True), item(1, YES)])
    assert (kept.earned, kept.applicable, kept.critical_failed) == (3, 4, False)
    assert (skipped.earned, skipped.applicable, skipped.critical_failed) == (1, 1, False)


def test_a_critical_failure_zeroes_only_its_own_step():
    # step 1: yes 2, critical no 3 -> earned 0 of 5
    # step 2: yes 1, yes 2, no 1   -> earned 3 of 4
    # audit: 0+3 / 5+4 = 3/9 = 33.33 %
    steps, total = score_audit(
        [
            [item(2, YES), item(3, NO, critical=True)],
            [item(1, YES), item(2, YES), item(1, NO)],
        ]
    )
    assert [(s.earned, s.applicable) for s in steps] == [(0, 5), (3, 4)]
    assert (total.earned, total.applicable) == (3, 9)
    assert total.percent == Decimal("33.33")


def test_the_audit_score_sums_before_dividing_it_is_not_an_average_of_steps():
    # step 1: 1 of 1 (100 %), step 2: 1 of 3 (33 %). Average of steps would be 66.67 %;
    # the rule gives (1+1) / (1+3) = 2/4 = 50 %.
    _steps, total = score_audit([[item(1, YES)], [item(1, YES), item(2, NO)]])
    assert total.percent == Decimal("50.00")


def test_nothing_applicable_means_no_score_never_zero_or_a_hundred():
    steps, total = score_audit([[item(3, NOT_APPLICABLE)], [item(1, NOT_APPLICABLE)]])
    assert [(s.earned, s.applicable) for s in steps] == [(0, 0), (0, 0)]
    assert total.percent is None
    assert score_step([]).percent is None
    assert percent(0, 0) is None


def test_a_step_with_nothing_applicable_does_not_dilute_the_others():
    # step 1 all n.a.; step 2: yes 2, no 2 -> 2/4 = 50 %
    _steps, total = score_audit([[item(3, NOT_APPLICABLE)], [item(2, YES), item(2, NO)]])
    assert (total.earned, total.applicable) == (2, 4)
    assert total.percent == Decimal("50.00")


def test_everything_kept_is_a_hundred_and_everything_broken_is_zero():
    assert score_step([item(1, YES), item(3, YES)]).percent == Decimal("100.00")
    assert score_step([item(1, NO), item(3, NO)]).percent == Decimal("0.00")


@pytest.mark.parametrize(
    ("earned", "applicable", "expected"),
    [(1, 3, "33.33"), (2, 3, "66.67"), (1, 8, "12.50"), (1, 200, "0.50"), (1, 400, "0.25")],
)
def test_percentages_round_half_up_to_two_decimals(earned, applicable, expected):
    assert percent(earned, applicable) == Decimal(expected)


def test_totals_add_exact_integers():
    total = score_total([Figures(5, 6), Figures(0, 4), Figures(7, 7)])
    assert (total.earned, total.applicable) == (12, 17)
    assert total.percent == Decimal("70.59")  # 12/17 = 70.588...

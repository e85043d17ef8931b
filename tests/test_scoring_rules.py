"""Worked examples for each scoring rule (DESIGN.md §4), without a database."""

from decimal import Decimal as D

import pytest

from workflow_app.scoring.rules import (
    adjust,
    annual_rollup,
    band,
    combine,
    focus_flags,
    negative_list,
)

WEIGHTS = {"review": 60, "rating_360": 30, "satisfaction": 10}


@pytest.mark.parametrize(("parts", "missing", "score", "flags"), [
    ({"review": 90, "rating_360": 80, "satisfaction": 70}, "reweight", D("85.00"), []),
    # No satisfaction survey this quarter: 60/90 review + 30/90 rating, not a zero.
    ({"review": 90, "rating_360": 80, "satisfaction": None}, "reweight", D("86.67"),
     ["reweighted"]),
    ({"review": 90, "rating_360": 80, "satisfaction": None}, "zero", D("78.00"), []),
    ({"review": None, "rating_360": None, "satisfaction": None}, "reweight", None, ["no_score"]),
])
def test_combine_says_what_a_missing_part_does(parts, missing, score, flags):
    assert combine(parts, WEIGHTS, missing) == (score, flags)


@pytest.mark.parametrize(("bonus", "penalty", "caps", "expected"), [
    (3, 0, (5, 10), D("93.00")), (8, 0, (5, 10), D("95.00")),    # bonus capped at 5
    (0, 15, (5, 10), D("80.00")), (2, 4, (None, None), D("88.00")),
])
def test_bonus_and_penalty_are_capped(bonus, penalty, caps, expected):
    assert adjust(D(90), bonus, penalty, *caps) == expected


def test_negative_list_deducts_and_vetoes():
    assert negative_list([{"kind": "deduct", "points": 2}, {"kind": "deduct", "points": 1.5}]) \
        == (D("3.50"), False)
    assert negative_list([{"kind": "veto"}, {"kind": "deduct", "points": 1}]) == (D("1.00"), True)


GOOD, FAIR, WEAK, POOR = "好", "较好", "一般", "较差"


@pytest.mark.parametrize(("grades", "best", "flags"), [
    ({1: GOOD, 2: GOOD, 3: FAIR, 4: FAIR}, 0, []),                # 优秀 possible
    ({1: GOOD, 2: FAIR, 3: FAIR, 4: FAIR}, 1, []),                # only one 好: 称职 at best
    ({1: GOOD, 2: GOOD, 3: GOOD, 4: WEAK}, 1, []),                # an 一般 bars 优秀
    ({1: WEAK, 2: POOR, 3: WEAK, 4: GOOD}, 2, ["mostly_weak_quarters"]),
    ({1: POOR, 2: POOR, 3: FAIR, 4: GOOD}, 1, ["reminder_talk"]),  # two 较差: a talk
    ({1: POOR, 2: POOR, 3: POOR, 4: GOOD}, 3,
     ["mostly_weak_quarters", "no_promotion"]),                    # three 较差
])
def test_annual_rules(grades, best, flags):
    result = annual_rollup(grades, dict.fromkeys(grades, 80), D(80))
    assert result.best_grade == best
    assert result.flags == flags


def test_annual_score_is_30_percent_quarters_plus_70_percent_review():
    result = annual_rollup({1: GOOD, 2: GOOD, 3: FAIR, 4: FAIR},
                           {1: 92, 2: 90, 3: 80, 4: 78}, D(88))
    assert result.score == D("87.10")  # 0.3 × 85 + 0.7 × 88


@pytest.mark.parametrize(("rule", "best", "flags", "score"), [
    # On leave in Q3 and Q4: judged on the two quarters there are (0.3 × 95 + 0.7 × 87).
    ("exclude", 0, ["missing_quarter:3", "missing_quarter:4"], D("89.40")),
    # A missing quarter as 一般 (60) bars 优秀: 0.3 × 77.5 + 0.7 × 87.
    ("as_general", 1, ["missing_quarter:3", "missing_quarter:4"], D("84.15")),
])
def test_missing_quarters_follow_a_visible_rule(rule, best, flags, score):
    result = annual_rollup({1: GOOD, 2: GOOD}, {1: 95, 2: 95}, D(87),
                           {"missing_quarters": rule})
    assert (result.best_grade, result.flags, result.score) == (best, flags, score)


def test_focus_flags_top_30_bottom_10_keep_ties_together():
    ranked = {i: i for i in range(1, 11)}  # ten people, distinct ranks
    flags = focus_flags(ranked)
    assert [i for i, f in flags.items() if f == "focus_top"] == [1, 2, 3]
    assert [i for i, f in flags.items() if f == "focus_bottom"] == [10]
    tied = {**ranked, 4: 3}  # the 4th ties the 3rd: both are top
    assert focus_flags(tied)[4] == "focus_top"


@pytest.mark.parametrize(("rank", "expected"), [(1, "red"), (3, "red"), (4, "yellow"),
                                                  (7, "blue"), (9, "blue")])
def test_bands_by_thirds(rank, expected):
    assert band(rank, 9) == expected

"""Property tests (hypothesis) of the pure rules: grading under a quota, the annual
roll-up (DESIGN.md §4), and every workflow version's engine (§3). No Flask, no database.

Reproducible: `derandomize=True` draws the same examples on every run (CI and here);
`max_examples` keeps the whole file under a minute on a busy machine.
"""

import math
from collections import Counter
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from workflow_app.scoring.grading import DEFAULT_GRADING, Item, grade_items
from workflow_app.scoring.rules import annual_rollup, q
from workflows import EventNotAvailable, GuardFailed
from workflows.registry import all_workflows, engine_for

SETTINGS = settings(derandomize=True, deadline=None, max_examples=300, database=None)
GRADES = [g["grade"] for g in DEFAULT_GRADING["grades"]]
VETO = len(GRADES) - 1


# --- grading under a quota --------------------------------------------------------------

# Scores 0–100 with two decimals, many near the 好 bar and at the thresholds, drawn from a
# small pool so that ties are common.
BARS = [Decimal(v) for v in ("100", "90", "89.99", "90.01", "75", "74.99", "60", "59.99", "0")]
scores = st.one_of(st.decimals(min_value=0, max_value=100, places=2),
                   st.decimals(min_value=85, max_value=100, places=2), st.sampled_from(BARS))
pooled = st.lists(scores, min_size=1, max_size=6).flatmap(
    lambda pool: st.lists(st.sampled_from(pool), min_size=1, max_size=60))
# A quota as an administrator writes it (0.4, 0.29) or any float; what it means is the
# decimal it is written as, so the quota is floor(Decimal(str(ratio)) × n), exactly.
ratios = st.one_of(st.decimals(min_value=0, max_value=1, places=2).map(float),
                   st.floats(min_value=0, max_value=1))


def quota(ratio, n):
    return math.floor(Decimal(str(ratio)) * n)


def _config(ratio):
    grades = [dict(g) for g in DEFAULT_GRADING["grades"]]
    grades[0]["quota"] = ratio
    return {**DEFAULT_GRADING, "grades": grades}


def _graded(values, ratio, vetoed=frozenset()):
    items = [Item(id=n, unit_id=1, category="社区", score=v) for n, v in enumerate(values)]
    for n in vetoed:
        items[n].best, items[n].flags = VETO, ["veto"]
    # Joint liability is its own rule (tested in test_grading); here the quota is plain.
    grade_items(items, _config(ratio), quota_factors={1: 1})
    return items


def _level(item):
    return GRADES.index(item.grade)


@SETTINGS
@given(pooled, ratios, st.integers(0, 10), st.integers(0, 3))
@example([Decimal("95.00")] * 3, 0.4, 0, 0)  # everyone tied above the bar
@example([Decimal("95"), Decimal("95"), Decimal("80")], 0.4, 0, 0)
@example([Decimal("90.00")] * 5 + [Decimal("89.99")], 0.29, 0, 0)
@example([Decimal("99")] * 30, 0.29, 70, 0)  # 0.29 × 100 is 28.999… in floats
@example([Decimal("95")], 0.9999999999, 0, 0)  # was graded 好: floor(x + 1e-9) rounded up
def test_the_top_quota_is_never_exceeded(values, ratio, not_yet_approved, published_top):
    """The quota base is everyone assessed in the unit (some not yet approved); grades
    already published (frozen) use up quota first."""
    frozen = [Item(id=-n, unit_id=1, category="社区", score=Decimal(99), grade=GRADES[0],
                   frozen=True) for n in range(1, published_top + 1)]
    items = [Item(id=n, unit_id=1, category="社区", score=v) for n, v in enumerate(values)]
    size = len(values) + published_top + not_yet_approved
    grade_items(frozen + items, _config(ratio), unit_sizes={1: size}, quota_factors={1: 1})
    allowed = max(quota(ratio, size) - published_top, 0)
    assert sum(1 for i in items if i.grade == GRADES[0]) <= allowed


@SETTINGS
@given(pooled, ratios)
@example([Decimal(91), Decimal(95)], 0.5)
def test_equal_scores_get_equal_grades_and_better_scores_no_worse(values, ratio):
    items = sorted(_graded(values, ratio), key=lambda i: i.score, reverse=True)
    for better, worse in pairwise(items):
        if better.score == worse.score:
            assert better.grade == worse.grade
        assert _level(better) <= _level(worse)  # monotone: index 0 is the best grade


@SETTINGS
@given(pooled, ratios)
def test_ties_straddling_the_quota_boundary_are_flagged_not_broken(values, ratio):
    items = _graded(values, ratio)
    allowed = quota(ratio, len(items))
    above = sorted((i for i in items if i.score >= 90), key=lambda i: i.score, reverse=True)
    if 0 < allowed < len(above) and above[allowed - 1].score == above[allowed].score:
        boundary = above[allowed].score
        tied = [i for i in items if i.score == boundary]
        assert all("tie_at_quota_boundary" in i.flags for i in tied)
        assert all(i.grade == GRADES[1] for i in tied)
    flagged = {i.score for i in items if "tie_at_quota_boundary" in i.flags}
    assert len(flagged) <= 1  # only one score can sit at the boundary
    for score in flagged:  # and it does straddle it: some of them would fit, not all
        higher = sum(1 for i in above if i.score > score)
        assert higher < allowed < sum(1 for i in above if i.score >= score)


@SETTINGS
@given(pooled, ratios, st.data())
def test_a_veto_caps_the_grade_and_the_others_stay_monotone(values, ratio, data):
    vetoed = data.draw(st.sets(st.integers(0, len(values) - 1)))
    items = _graded(values, ratio, vetoed)
    assert all(items[n].grade == GRADES[VETO] for n in vetoed)
    free = sorted((i for i in items if i.id not in vetoed), key=lambda i: i.score,
                  reverse=True)
    for better, worse in pairwise(free):
        assert _level(better) <= _level(worse)
    assert sum(1 for i in items if i.grade == GRADES[0]) <= quota(ratio, len(items))


@SETTINGS
@given(pooled, ratios)
def test_grades_follow_the_thresholds_apart_from_the_quota(values, ratio):
    for item in _graded(values, ratio):
        if item.score >= 90:
            assert item.grade in GRADES[:2]
            assert item.grade == GRADES[0] or {"over_quota", "tie_at_quota_boundary"} & set(
                item.flags)
        else:
            expected = next(g["grade"] for g in DEFAULT_GRADING["grades"]
                            if item.score >= g["min"])
            assert item.grade == expected


# --- the annual roll-up -----------------------------------------------------------------

QUARTER_GRADES = ["好", "较好", "一般", "较差"]
# One to four quarters with a result (leave, transfer): the rules count over those there are.
quarters = st.lists(st.tuples(st.sampled_from(QUARTER_GRADES), scores), min_size=1,
                    max_size=4)


@SETTINGS
@given(quarters, scores)
@example([("好", Decimal("95")), ("好", Decimal("93")), ("较好", Decimal("80")),
          ("较好", Decimal("78"))], Decimal("92"))
@example([("较差", Decimal("50"))] * 3 + [("好", Decimal("95"))], Decimal("99"))
def test_the_annual_rollup_follows_design_section_4(record, review):
    grades = {n: g for n, (g, _s) in enumerate(record, start=1)}
    result = annual_rollup(grades, {n: s for n, (_g, s) in enumerate(record, start=1)}, review)
    assert result.missing == 4 - len(record)
    count, n = Counter(grades.values()), len(record)
    mean = q(sum(s for _g, s in record) / n)
    assert abs(result.score - (Decimal("0.3") * mean + Decimal("0.7") * review)) <= Decimal(
        "0.01")
    weak, poor = count["一般"] + count["较差"], count["较差"]
    # 优秀 needs ≥ 2 好 and no 一般 / 较差; more than half 一般 / 较差 → at best 基本称职;
    # more than half 较差 → 不称职 (index into 优秀 / 称职 / 基本称职 / 不称职).
    if poor * 2 > n:
        expected = 3
    elif weak * 2 > n:
        expected = 2
    else:
        expected = 0 if count["好"] >= 2 and weak == 0 else 1
    assert result.best_grade == expected
    assert ("no_promotion" in result.flags) == (poor >= 3)
    assert ("reminder_talk" in result.flags) == (poor == 2)


# --- every workflow version: any sequence of events keeps a valid history ---------------

WORKFLOWS = sorted(all_workflows(), key=lambda w: (w.key, w.version))


def _guards(wf):
    return sorted({g for t in wf.transitions for g in (*t.when, *t.unless)})


def _steps(wf):
    events = st.sampled_from([*wf.events, "no_such_event"])
    return st.lists(st.tuples(events, st.frozensets(st.sampled_from(_guards(wf) or ["_"]))),
                    max_size=40)


def _first_passing(engine, state, event, true):
    for t in engine.candidates(state, event):
        if all(g in true for g in t.when) and not any(g in true for g in t.unless):
            return t
    return None


def _fire(engine, state, event, true):
    """(transition taken or None); checks a refusal says why and changes nothing."""
    asked = []

    def guard(name):
        asked.append(name)
        return name in true

    try:
        return engine.fire(state, event, guard)
    except EventNotAvailable:
        assert not engine.candidates(state, event)
    except GuardFailed as exc:
        names = {g for t in engine.candidates(state, event) for g in (*t.when, *t.unless)}
        assert exc.guard in names
        assert _first_passing(engine, state, event, true) is None
    return None


@pytest.mark.parametrize("wf", WORKFLOWS, ids=lambda w: f"{w.key}-v{w.version}")
@settings(derandomize=True, deadline=None, max_examples=150, database=None)
@given(data=st.data())
def test_any_event_sequence_keeps_a_valid_history(wf, data):
    engine = engine_for(wf.key, wf.version)
    state, history = wf.initial, []
    for event, true in data.draw(_steps(wf)):
        taken = _fire(engine, state, event, true)
        if taken is None:
            continue  # refused: the state stays, nothing is recorded
        assert taken in wf.transitions and taken.source == state and taken.event == event
        assert taken is _first_passing(engine, state, event, true)
        history.append((state, event, taken.dest))
        state = taken.dest
        assert state in wf.states
    for source, event, dest in history:
        assert any(t.source == source and t.event == event and t.dest == dest
                   for t in wf.transitions)


@pytest.mark.parametrize("wf", WORKFLOWS, ids=lambda w: f"{w.key}-v{w.version}")
def test_each_state_offers_exactly_the_events_its_definition_has(wf):
    engine = engine_for(wf.key, wf.version)
    for state in wf.states:
        defined = {t.event for t in wf.transitions if t.source == state}
        assert set(engine.events_from(state)) == defined
        for event in set(wf.events) - defined:
            with pytest.raises(EventNotAvailable):
                engine.fire(state, event, lambda _name: True)
    for state in wf.final_states:
        assert state in wf.states

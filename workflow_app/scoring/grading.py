"""Grades under a quota, ranks and flags: pure functions over plain data.

The quota is never exceeded. When people tied on the same score straddle the
quota boundary, none of them is picked by an arbitrary rule: they all get the
next grade and are flagged ``tie_at_quota_boundary`` for the committee to decide.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from workflow_app.scoring.rules import band, focus_flags

DEFAULT_GRADING = {
    "grades": [
        {"grade": "好", "min": 90, "quota": 0.4},
        {"grade": "较好", "min": 75},
        {"grade": "一般", "min": 60},
        {"grade": "较差", "min": 0},
    ],
    # The quota counts those assessed in the same org unit.
    "quota_scope": "unit",
    # 两头: share of a category's ranking flagged at the top and at the bottom.
    "focus": {"top": 0.3, "bottom": 0.1},
    # Performance-pay percentage per grade: 好 and 较差 are 10 % apart (微山县 practice).
    "pay_tiers": {"好": 100, "较好": 96, "一般": 93, "较差": 90},
}

ANNUAL_GRADING = {
    "grades": [
        {"grade": "优秀", "min": 90, "quota": 0.2},
        {"grade": "称职", "min": 70},
        {"grade": "基本称职", "min": 60},
        {"grade": "不称职", "min": 0},
    ],
    "quota_scope": "unit",
    "focus": {"top": 0.3, "bottom": 0.1},
    # Share of salary paid as performance pay: from 35 % down to 25 % (双辽市 practice).
    "pay_tiers": {"优秀": 35, "称职": 30, "基本称职": 27, "不称职": 25},
}


@dataclass
class Item:
    id: int
    unit_id: int
    category: str
    score: Decimal | None
    grade: str | None = None
    rank: int | None = None
    flags: list = field(default_factory=list)
    # A published grade is frozen: it keeps its grade but still uses up quota.
    frozen: bool = False
    # The best grade (index) the rules allow: a veto or the annual record caps it.
    best: int = 0


def merged_config(config, kind="quarterly"):
    merged = dict(ANNUAL_GRADING if kind == "annual" else DEFAULT_GRADING)
    merged.update(config or {})
    return merged


def grade_items(items, config=None, unit_sizes=None, quota_factors=None):
    """Grade the items that are not frozen; `unit_sizes` is how many are assessed per
    unit (the quota base), which may exceed the items given (others not yet approved).
    `config` is a full grading config (see merged_config). `quota_factors`: {unit: factor}
    for units whose team brings joint liability (scoring/teams.py); others keep 1."""
    config = config if config and "grades" in config else merged_config(config)
    groups = defaultdict(list)
    for item in items:
        if item.score is None and not item.frozen:
            item.flags.append("no_score")
        elif item.score is not None:
            groups[item.unit_id].append(item)
    sizes = unit_sizes or {}
    for unit_id, members in groups.items():
        factor = (quota_factors or {}).get(unit_id, 1)
        _grade_group(members, config["grades"], max(sizes.get(unit_id, 0), len(members)), factor)
    rank_within(items, key=lambda i: i.category)
    _mark_rankings(items, config)
    return items


def _mark_rankings(items, config):
    """两头 focus flags and 红黄蓝 bands within each category, on the open items."""
    by_category = defaultdict(dict)
    for item in items:
        if item.rank is not None:
            by_category[item.category][item.id] = item.rank
    focus = config.get("focus") or {}
    for ranked in by_category.values():
        flags = focus_flags(ranked, focus.get("top", 0.3), focus.get("bottom", 0.1))
        for item in items:
            if item.id in ranked:  # frozen too: a rank is over the whole ranking
                item.flags = [f for f in item.flags if not f.startswith(("focus_", "band_"))]
                item.flags += ([flags[item.id]] if item.id in flags else [])
                item.flags.append("band_" + band(item.rank, len(ranked)))


def _threshold_grade(score, grades):
    for g in grades:
        if score >= Decimal(str(g["min"])):
            return grades.index(g)
    return len(grades) - 1


def _grade_group(members, grades, size, quota_factor=1):
    """Assign grades from the top down, pushing people over a quota one grade lower."""
    names = [g["grade"] for g in grades]
    open_ = [m for m in members if not m.frozen]
    levels = {id(m): max(_threshold_grade(m.score, grades), m.best) for m in open_}
    for index, spec in enumerate(grades):
        if "quota" not in spec or index + 1 >= len(grades):
            continue
        used = sum(1 for m in members if m.frozen and m.grade == names[index])
        allowed = max(quota_of(spec["quota"], quota_factor, size) - used, 0)
        here = sorted((m for m in open_ if levels[id(m)] == index),
                      key=lambda m: m.score, reverse=True)
        for m in _over_quota(here, allowed):
            levels[id(m)] = index + 1
    for m in open_:
        m.grade = names[levels[id(m)]]


def quota_of(ratio, factor, size):
    """floor(ratio × factor × size) in decimals, as the ratio is written: 0.29 × 100 is 29,
    and 0.9999999999 × 1 is 0 (a float epsilon once made it 1: one over the quota)."""
    return math.floor(Decimal(str(ratio)) * Decimal(str(factor)) * size)


def _over_quota(candidates, allowed):
    """Those who must drop a grade; flags ties that straddle the boundary."""
    if len(candidates) <= allowed:
        return []
    boundary = candidates[allowed].score
    tied = [m for m in candidates if m.score == boundary]
    inside_tie = allowed > 0 and candidates[allowed - 1].score == boundary
    for m in candidates[allowed:]:
        m.flags.append("tie_at_quota_boundary" if m in tied and inside_tie else "over_quota")
    if inside_tie:
        for m in tied:
            if m not in candidates[allowed:]:
                m.flags.append("tie_at_quota_boundary")
        return [m for m in candidates if m.score <= boundary]
    return candidates[allowed:]


def rank_within(items, key):
    """Competition ranking (1, 2, 2, 4) by score inside each group."""
    groups = defaultdict(list)
    for item in items:
        if item.score is not None:
            groups[key(item)].append(item)
    for members in groups.values():
        members.sort(key=lambda m: m.score, reverse=True)
        for pos, m in enumerate(members):
            tie = pos and members[pos - 1].score == m.score
            m.rank = members[pos - 1].rank if tie else pos + 1

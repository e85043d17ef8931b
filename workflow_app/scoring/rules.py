"""Scoring rules of DESIGN.md §4 as pure functions over plain data.

Each rule says what it does with a missing part, so no quarter or component is
ever silently counted as zero.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TWO = Decimal("0.01")

DEFAULT_ANNUAL = {
    "quarter_weight": 30, "review_weight": 70,
    # Quarters missing (leave, transfer), see MISSING_RULES: "mean_of_present" (the rules
    # count over the quarters there are), "count_as_一般" (each counts as 一般 scoring
    # `missing_score`), "exclude_from_excellent" (mean of present, but no 优秀).
    "missing_quarters": "mean_of_present", "missing_score": 60,
    "grades": ["优秀", "称职", "基本称职", "不称职"],
}


def q(value):
    return Decimal(str(value)).quantize(TWO, rounding=ROUND_HALF_UP)


def combine(parts, weights, missing="reweight"):
    """Weighted sum of component scores (0–100) with weights in percent.

    missing="reweight": weights of absent parts go to the present ones in
    proportion, so an unused part neither helps nor hurts (flag `reweighted`);
    missing="zero": an absent part scores 0. Returns (score or None, flags).
    """
    present = {k: Decimal(str(v)) for k, v in parts.items() if v is not None and k in weights}
    if not present:
        return None, ["no_score"]
    flags = []
    total_weight = sum(Decimal(str(weights[k])) for k in weights)
    if missing == "reweight" and len(present) < len(weights):
        total_weight = sum(Decimal(str(weights[k])) for k in present)
        flags.append("reweighted")
    score = sum(present[k] * Decimal(str(weights[k])) for k in present) / total_weight
    return q(score), flags


def adjust(score, bonus=0, penalty=0, bonus_cap=None, penalty_cap=None):
    """Add capped bonus, subtract capped penalty; the result stays within 0…100+cap."""
    bonus, penalty = Decimal(str(bonus or 0)), Decimal(str(penalty or 0))
    if bonus_cap is not None:
        bonus = min(bonus, Decimal(str(bonus_cap)))
    if penalty_cap is not None:
        penalty = min(penalty, Decimal(str(penalty_cap)))
    return q(max(score + bonus - penalty, Decimal(0)))


def negative_list(items):
    """(points to deduct, vetoed) from 负面清单 items [{kind, points}]."""
    deduct = sum(Decimal(str(i.get("points") or 0)) for i in items if i["kind"] == "deduct")
    return q(deduct), any(i["kind"] == "veto" for i in items)


# Accepted spellings of each missing-quarter rule -> its code (shown as a flag).
MISSING_RULES = {"mean_of_present": "mean_of_present", "exclude": "mean_of_present",
                 "count_as_一般": "count_as_general", "count_as_general": "count_as_general",
                 "as_general": "count_as_general",
                 "exclude_from_excellent": "exclude_from_excellent"}


@dataclass
class AnnualResult:
    score: Decimal | None
    best_grade: int  # index into the annual grades: the best this person may get
    flags: list = field(default_factory=list)
    missing: int = 0  # quarters without a result
    missing_rule: str = "mean_of_present"

    def missing_flags(self):
        """`missing_quarters:n` and the rule applied, for the results; none when complete."""
        if not self.missing:
            return []
        return [f"missing_quarters:{self.missing}", f"missing_rule_{self.missing_rule}"]


def annual_rollup(quarter_grades, quarter_scores, review_score, config=None, quarters=4):
    """Annual score and the best grade the quarterly record allows.

    quarter_grades / quarter_scores: {quarter: value}; missing quarters are absent.
    """
    cfg = {**DEFAULT_ANNUAL, **(config or {})}
    grades, scores, flags = _fill_missing(quarter_grades, quarter_scores, cfg, quarters)
    mean = q(sum(scores) / len(scores)) if scores else None
    parts = {"quarters": mean, "review": review_score}
    weights = {"quarters": cfg["quarter_weight"], "review": cfg["review_weight"]}
    score, combine_flags = combine(parts, weights)
    best, rule_flags = _annual_caps(grades)
    rule = MISSING_RULES.get(cfg["missing_quarters"], "mean_of_present")
    if flags and rule == "exclude_from_excellent":
        best = max(best, 1)
    return AnnualResult(score, best, flags + combine_flags + rule_flags, len(flags), rule)


def _fill_missing(quarter_grades, quarter_scores, cfg, quarters):
    missing = [n for n in range(1, quarters + 1) if n not in quarter_grades]
    grades = [quarter_grades[n] for n in sorted(quarter_grades)]
    scores = [Decimal(str(quarter_scores[n])) for n in sorted(quarter_scores)
              if quarter_scores[n] is not None]
    flags = [f"missing_quarter:{n}" for n in missing]
    if missing and MISSING_RULES.get(cfg["missing_quarters"]) == "count_as_general":
        grades += ["一般"] * len(missing)
        scores += [Decimal(str(cfg["missing_score"]))] * len(missing)
    return grades, scores, flags


def _annual_caps(grades):
    """优秀 needs ≥ 2 好 and no 一般/较差; more than half 一般/较差 → at best 基本称职;
    more than half 较差 → 不称职; 3 较差 → no_promotion, 2 → reminder_talk."""
    n = len(grades)
    poor = grades.count("较差")
    weak = poor + grades.count("一般")
    best, flags = 0, []
    if grades.count("好") < 2 or weak:
        best = 1
    if n and weak * 2 > n:
        best, flags = 2, flags + ["mostly_weak_quarters"]
    if n and poor * 2 > n:
        best = 3
    if poor >= 3:
        flags.append("no_promotion")
    elif poor == 2:
        flags.append("reminder_talk")
    return best, flags


def focus_flags(ranked, top=0.3, bottom=0.1):
    """两头: the top 30 % and bottom 10 % of a ranking ({id: rank}).

    Ties at a cut-off are all included: the same score is never split (these are
    flags for attention, not a quota).
    """
    n = len(ranked)
    ranks = sorted(ranked.values())
    top_n, bottom_n = int(n * top + 1e-9), int(n * bottom + 1e-9)
    top_rank = ranks[top_n - 1] if top_n else 0
    bottom_rank = ranks[n - bottom_n] if bottom_n else None
    out = {}
    for ident, rank in ranked.items():
        if rank <= top_rank:
            out[ident] = "focus_top"
        elif bottom_rank is not None and rank >= bottom_rank:
            out[ident] = "focus_bottom"
    return out


def band(rank, n, cuts=(1 / 3, 2 / 3)):
    """红黄蓝: red for the first third of a ranking, yellow the middle, blue the last."""
    position = (rank - 1) / n if n else 0
    if position < cuts[0]:
        return "red"
    return "yellow" if position < cuts[1] else "blue"


def pay_tier(grade, tiers):
    """Performance-pay percentage for a grade (None when the grade has no tier)."""
    return tiers.get(grade)

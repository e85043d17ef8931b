"""What grading starts from: each approved assessment's score, negative list and, for an
annual cycle, the same cadre's quarterly record of that year.

The score is the review score unless the cycle configures components, e.g.
``grading["components"] = {"review": 60, "rating_360": 30, "satisfaction": 10}``:
then it is `rules.combine` of the review score, the 360 rating (group-weighted,
folded below the minimum) and the satisfaction rate × 100, with the cycle's
``missing_component`` rule ("reweight" by default, or "zero"). Every part that
is missing is flagged ``missing_component:<name>``, whichever rule applies.
"""

from sqlalchemy import func, select

from workflow_app.assessments.models import Assessment, Review
from workflow_app.cycles.indicator_adjustments import adjustment_parts
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.scoring.grading import Item
from workflow_app.scoring.linkage import apply_linkage, linkage_parts
from workflow_app.scoring.monthly import apply_monthly, counts, feed_of, monthly_record
from workflow_app.scoring.negative import items_by_assessment
from workflow_app.scoring.rules import adjust, annual_rollup, combine, negative_list

RESULT_STATES = ("published", "disputed", "final", "appealed")
DEFAULT_COMPONENTS = {"review": 100}


def review_scores(assessment_ids):
    """The score given at the last stage that scored, per assessment."""
    latest = (select(Review.assessment_id, func.max(Review.id).label("id"))
              .where(Review.assessment_id.in_(assessment_ids), Review.score.is_not(None),
                     Review.decision == "approve")
              .group_by(Review.assessment_id).subquery())
    rows = db.session.execute(select(Review.assessment_id, Review.score)
                              .join(latest, latest.c.id == Review.id))
    return dict(rows.all())


def open_items(cycle, rows, config, id_query=None):
    """Items to grade from (assessment, category) rows in state `approved`.

    `id_query`, a subquery selecting the same ids (all approved of the cycle), lets the
    database join instead of receiving 50,000 ids as parameters."""
    ids = [a.id for a, _ in rows]
    if id_query is not None:
        scores, negatives = review_scores(id_query), items_by_assessment(id_query)
    else:
        scores, negatives = chunked(review_scores, ids), chunked(items_by_assessment, ids)
    cadre_ids = [a.cadre_id for a, _ in rows]
    quarters = chunked(lambda part: _quarterly_record(cycle, part), cadre_ids)
    feed = feed_of(config)
    months = chunked(lambda part: monthly_record(cycle, part), cadre_ids) if counts(feed) else {}
    last = len(config["grades"]) - 1
    parts = _component_parts(ids, scores, config)
    # 加减分项 of the cycle's indicator sheet (most cycles have no entries: one EXISTS)
    adjustments = (chunked(lambda part: adjustment_parts(cycle, part), ids)
                   if _has_adjustments(cycle) else {})
    linkage = linkage_parts(cycle)  # 市县同责连带考核: per lead unit (scoring/linkage.py)
    items = []
    for a, category in rows:
        item = Item(a.id, a.org_unit_id, category, scores.get(a.id))
        if parts is not None:
            _apply_components(item, parts[a.id], config)
        apply_monthly(item, months.get(a.cadre_id), feed)
        if cycle.kind == "annual":
            _apply_annual(item, quarters.get(a.cadre_id, {}), config)
        apply_linkage(item, linkage.get(a.org_unit_id))
        _apply_adjustments(item, adjustments.get(a.id))
        _apply_negative(item, negatives.get(a.id, []), last)
        items.append(item)
    return items


def _has_adjustments(cycle):
    from workflow_app.cycles.indicators import AssessmentAdjustment

    return db.session.scalar(
        select(AssessmentAdjustment.id).join(Assessment,
                                             Assessment.id == AssessmentAdjustment.assessment_id)
        .where(Assessment.cycle_id == cycle.id).limit(1)) is not None


def chunked(lookup, ids, size=5000):
    """`lookup(ids)` (a dict) over slices of `ids`: a city-wide cycle has 50,000, more
    than SQLite accepts as parameters of one IN (…)."""
    out = {}
    for start in range(0, len(ids), size):
        out.update(lookup(ids[start:start + size]))
    return out


def _components(config):
    """Known components with a positive number as weight; anything else is ignored."""
    weights = config.get("components")
    weights = weights if isinstance(weights, dict) and weights else DEFAULT_COMPONENTS
    return {k: v for k, v in weights.items() if k in ("review", "rating_360", "satisfaction")
            and isinstance(v, int | float) and not isinstance(v, bool) and v > 0}


def _component_parts(ids, scores, config):
    """{assessment_id: {component: score 0–100 or None}}; None when only review counts."""
    from workflow_app.scoring.ratings import rating_360_scores
    from workflow_app.surveys.services import satisfaction_rates

    weights = _components(config)
    if set(weights) <= {"review"}:
        return None
    ratings = (chunked(lambda part: rating_360_scores(part, config), ids)
               if "rating_360" in weights else {})
    rates = chunked(satisfaction_rates, ids) if "satisfaction" in weights else {}
    return {aid: {"review": scores.get(aid), "rating_360": _score_of(ratings.get(aid)),
                  "satisfaction": None if rates.get(aid) is None else rates[aid] * 100}
            for aid in ids}


def _score_of(result):
    return None if result is None else result.score


def _apply_components(item, parts, config):
    weights = _components(config)
    parts = {k: v for k, v in parts.items() if k in weights}
    score, flags = combine(parts, weights, config.get("missing_component", "reweight"))
    item.score = score
    item.flags += [f"missing_component:{k}" for k, v in parts.items() if v is None]
    item.flags += [f for f in flags if f != "no_score"]  # grade_items flags no_score itself


def _apply_annual(item, record, config):
    grades = {q: g for q, (g, _s) in record.items()}
    scores = {q: s for q, (_g, s) in record.items()}
    # The missing-quarter rule may sit at the top of the grading config or under "annual".
    annual = {k: config[k] for k in ("missing_quarters",) if k in config} | (
        config.get("annual") or {})
    result = annual_rollup(grades, scores, item.score, annual)
    item.score, item.best = result.score, result.best_grade
    item.flags += result.flags + result.missing_flags()


def _apply_adjustments(item, part):
    """+ bonus − penalty, each already capped per item, then capped per sheet."""
    if part is None or item.score is None:
        return
    item.score = adjust(item.score, part.bonus, part.penalty, part.bonus_cap, part.penalty_cap)
    item.flags += part.flags


def _apply_negative(item, negatives, last):
    if not negatives or item.score is None:
        return
    deduct, vetoed = negative_list(negatives)
    if deduct:
        item.score = adjust(item.score, penalty=deduct)
        item.flags.append("deducted")
    if vetoed:
        item.best = last  # 一票否决: the lowest grade whatever the score
        item.flags.append("veto")
    if any(n.get("serious") and n["kind"] != "veto" for n in negatives):  # 突出问题
        item.flags.append("serious_problem")


def _quarterly_record(cycle, cadre_ids):
    """{cadre: {quarter: (grade, score)}} from the year's published quarterly results."""
    if cycle.kind != "annual" or not cadre_ids:
        return {}
    rows = db.session.execute(
        select(Assessment.cadre_id, Cycle.quarter, Assessment.grade, Assessment.score)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Cycle.kind == "quarterly", Cycle.year == cycle.year,
               Assessment.cadre_id.in_(cadre_ids), Assessment.state.in_(RESULT_STATES)))
    record = {}
    for cadre_id, quarter, grade, score in rows:
        record.setdefault(cadre_id, {})[quarter] = (grade, score)
    return record

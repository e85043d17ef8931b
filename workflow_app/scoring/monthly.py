"""How a quarter takes in its months (月度自评 → 季度考评), a setting of the quarterly cycle.

``grading["monthly_feed"] = {"mode": "mean", "weight": 30}``: the quarter's score is
70 % its own (review and components) and 30 % the mean of the cadre's monthly scores of
the quarter's three months, as the annual roll-up takes 30 % of the mean of the quarters
(DESIGN.md §4). ``"mode": "none"`` leaves the months out. Only filed monthly results
count (published or later); months the cadre has no result for are left out of the
mean, and a cadre with no month at all keeps the quarter's own score unchanged, so a
county that runs no monthly cycles grades its quarters exactly as before.
"""

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.scoring.rules import q

MODES = {"mean": _l("Mean of the quarter's months"), "none": _l("Months not counted")}
DEFAULT_FEED = {"mode": "mean", "weight": 30}
FLAG = "monthly_mean"


def feed_of(config):
    """The cycle's monthly feed, the default filled in."""
    given = (config or {}).get("monthly_feed")
    return {**DEFAULT_FEED, **(given if isinstance(given, dict) else {})}


def monthly_feed_errors(grading, kind):
    """{field: code} for a `monthly_feed` that is malformed or set on a non-quarterly cycle."""
    feed = grading.get("monthly_feed")
    if feed is None:
        return {}
    if kind != "quarterly":
        return {"grading.monthly_feed": "not_accepted"}
    if not isinstance(feed, dict) or set(feed) - {"mode", "weight"}:
        return {"grading.monthly_feed": "not_an_object"}
    errors = {}
    if feed.get("mode", "mean") not in MODES:
        errors["grading.monthly_feed.mode"] = "unknown"
    weight = feed.get("weight", DEFAULT_FEED["weight"])
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 <= weight <= 100:
        errors["grading.monthly_feed.weight"] = "out_of_range"
    return errors


def counts(feed):
    return feed["mode"] == "mean" and feed["weight"] > 0


def monthly_record(cycle, cadre_ids):
    """{cadre: {month: score}} of the filed monthly results in the quarter's months."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.cycles.models import Cycle
    from workflow_app.scoring.inputs import RESULT_STATES

    if cycle.kind != "quarterly" or not cadre_ids:
        return {}
    rows = db.session.execute(
        select(Assessment.cadre_id, Cycle.month, Assessment.score)
        .join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Cycle.kind == "monthly", Cycle.year == cycle.year,
               Cycle.month.in_(cycle.months), Assessment.cadre_id.in_(cadre_ids),
               Assessment.score.is_not(None), Assessment.state.in_(RESULT_STATES)))
    record = {}
    for cadre_id, month, score in rows:
        record.setdefault(cadre_id, {})[month] = score
    return record


def mean_of(months):
    return q(sum(Decimal(str(s)) for s in months.values()) / len(months)) if months else None


def apply_monthly(item, months, feed):
    """The quarter's score with the mean of its months weighed in (flag `monthly_mean`)."""
    mean = mean_of(months)
    if mean is None or item.score is None or not counts(feed):
        return
    weight = Decimal(str(feed["weight"]))
    item.score = q((item.score * (100 - weight) + mean * weight) / 100)
    item.flags.append(FLAG)


def monthly_figures(cycle, rows):
    """For the grading page of a quarter: its monthly setting and, per graded row, the
    cadre's monthly scores and their mean; None for other kinds."""
    if cycle.kind != "quarterly":
        return None
    from workflow_app.scoring.inputs import chunked

    feed = feed_of(cycle.grading)
    record = chunked(lambda part: monthly_record(cycle, part), [r.cadre_id for r in rows])
    people = [(r, record[r.cadre_id], mean_of(record[r.cadre_id]))
              for r in rows if r.cadre_id in record]
    return {"feed": feed, "label": MODES[feed["mode"]], "months": cycle.months,
            "people": people}

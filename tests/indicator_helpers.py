"""Shared by the indicator sheet tests: a sheet in the API's shape, the newest
assessment of a cadre, and an item of a cycle's copy by name."""

from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.cycles import indicators as ind
from workflow_app.extensions import db


def sheet(category="社区", weights=(40, 60), bonus=(("表彰奖励", 3), ("经验推广", 2)),
          penalty=(("工作失误", 5),), bonus_cap=4, penalty_cap=10):
    kinds = ["common"] + ["individual"] * (len(weights) - 1)
    items = [{"kind": k, "name": f"指标{n}", "standard": f"标准{n}", "weight": w}
             for n, (k, w) in enumerate(zip(kinds, weights, strict=True))]
    items += [{"kind": "bonus", "name": name, "cap": cap} for name, cap in bonus]
    items += [{"kind": "penalty", "name": name, "cap": cap} for name, cap in penalty]
    return {"category": category, "name": f"{category}考核指标", "bonus_cap": bonus_cap,
            "penalty_cap": penalty_cap, "items": items}


def assessment_of(user):
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == user.id)
                             .order_by(Assessment.id.desc()).limit(1))


def item_named(a, name):
    return next(i for _s, items in ind.cycle_sheets(a.cycle_id).values() for i in items
                if i.name == name)

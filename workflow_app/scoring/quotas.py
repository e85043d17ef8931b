"""Quota accounting per unit for the grading page: base, allowed, used, left — with the
arithmetic written out, so a clerk can defend "5 of 7 graded 好" (or see why not).

The numbers follow scoring.grading: the base is everyone assessed in the unit except
those excluded (不参加本次考核), allowed = floor(share × base) (× the joint-liability
factor when the unit's team brings joint liability: scoring/teams.py), and published
grades use up their share.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.scoring.grading import merged_config
from workflow_app.scoring.teams import joint_liability_config, liable_units

COUNTED_STATES = ("approved", "published", "disputed", "final", "appealed")


@dataclass
class UnitQuota:
    unit_id: int
    unit: str
    grade: str
    share: float
    factor: float
    base: int
    excluded: int
    used: int
    # [teams.Liability]: why joint liability lowered the quota (empty: it did not).
    because: list = field(default_factory=list)

    @property
    def allowed(self):
        return math.floor(self.share * self.factor * self.base + 1e-9)

    @property
    def left(self):
        return max(self.allowed - self.used, 0)

    @property
    def over(self):
        return max(self.used - self.allowed, 0)

    @property
    def formula(self):
        """"floor(40% × 7) = 2" (with "× 50%" when joint liability lowers the quota)."""
        parts = [_pct(self.share)] + ([_pct(self.factor)] if self.factor != 1 else [])
        return f"floor({' × '.join(parts)} × {self.base}) = {self.allowed}"


def _pct(share):
    return f"{round(share * 100, 4):g}%"


def unit_quotas(cycle):
    """[UnitQuota] for every unit with assessments and every grade that has a quota."""
    config = merged_config(cycle.grading, cycle.kind)
    limited = [g for g in config["grades"][:-1] if "quota" in g]
    if not limited:
        return []
    sizes, names = _sizes(cycle)
    used = _used(cycle)
    lowered = liable_units(cycle.id)
    factor = joint_liability_config(config)["quota_factor"]
    return [UnitQuota(unit_id, names[unit_id], g["grade"], float(g["quota"]),
                      float(factor) if unit_id in lowered else 1.0, counts["in"],
                      counts["excluded"], used.get((unit_id, g["grade"]), 0),
                      lowered.get(unit_id, []))
            for unit_id, counts in sorted(sizes.items(), key=lambda kv: names[kv[0]])
            for g in limited]


def _sizes(cycle):
    sizes, names = defaultdict(lambda: {"in": 0, "excluded": 0}), {}
    rows = db.session.execute(
        select(Assessment.org_unit_id, OrgUnit.name, Assessment.state, func.count())
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle.id)
        .group_by(Assessment.org_unit_id, OrgUnit.name, Assessment.state))
    for unit_id, name, state, n in rows:
        names[unit_id] = name
        sizes[unit_id]["excluded" if state == "excluded" else "in"] += n
    return sizes, names


def _used(cycle):
    rows = db.session.execute(
        select(Assessment.org_unit_id, Assessment.grade, func.count())
        .where(Assessment.cycle_id == cycle.id, Assessment.state.in_(COUNTED_STATES),
               Assessment.grade.is_not(None))
        .group_by(Assessment.org_unit_id, Assessment.grade))
    return {(unit_id, grade): n for unit_id, grade, n in rows}

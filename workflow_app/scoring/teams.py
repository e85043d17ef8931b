"""班子 grading: the team's grade per cycle, and joint liability (连带责任).

Computed at grading time from the members' results in the cycle:
- team score = mean final score of the members graded in the cycle, graded
  against the cycle's thresholds (no quota: a unit has one or two teams);
- joint liability is the 001 seed's rule, and only that: 「对班子成员存在突出问题的，
  直接判定班子年度考核为"一般"或"较差"等次，约谈主要负责人并降低优秀比例」. In an
  annual cycle, a member of a recorded team with a veto (一票否决) or a negative-list
  item marked 突出问题 (``serious``) caps the team's grade at
  ``joint_liability.team_grade_cap`` (一般; 较差 stays 较差), multiplies the annual
  top-grade (优秀) quota of the team's unit by ``joint_liability.quota_factor`` (0.5),
  flags the team (not its members, nor anyone else) and opens a 约谈主要负责人
  follow-up for the unit's principal leader (scoring/liability.py);
- nothing else: a veto on someone outside a recorded team caps that person's grade
  only, and quarterly quotas are never touched by joint liability.

For an annual cycle the team grades are 优秀 / 良好 / 一般 / 较差 (the scale of
领导班子 annual assessment), on the thresholds of the cycle's annual grades;
``grading["team_grades"]`` replaces the scale.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    cast,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.models_base import pk
from workflow_app.people.models import OrgUnit
from workflow_app.people.teams import Team
from workflow_app.scoring.models import NegativeItem
from workflow_app.scoring.results import FLAG_LABELS
from workflow_app.scoring.rules import q

# principal_positions: who is the unit's principal leader (主要负责人) for the 约谈, the
# first of these positions found in the team (scoring/liability.py).
DEFAULT_JOINT_LIABILITY = {"team_grade_cap": "一般", "quota_factor": 0.5,
                           "principal_positions": ["党组书记", "党委书记", "党工委书记", "书记",
                                                   "主要负责人", "局长", "主任", "镇长", "乡长"]}
ANNUAL_TEAM_GRADES = ("优秀", "良好", "一般", "较差")
LIABILITY_KINDS = {"veto": _l("a veto (一票否决)"), "deduct": _l("a serious problem (突出问题)")}
FLAG_LABELS.update({
    "team_grade_capped": _l("Team grade capped (joint liability)"),
    "members_not_graded": _l("Members not graded"),
    "missing_quarter": _l("Missing quarter"), "missing_quarters": _l("Missing quarters"),
    "missing_rule_mean_of_present": _l("Missing quarters: mean of the quarters present"),
    "missing_rule_count_as_general": _l("Missing quarters counted as 一般"),
    "missing_rule_exclude_from_excellent": _l("Missing quarters: no 优秀"),
})


class TeamResult(db.Model):
    """One team's grade in one cycle, with a copy of what it was computed from."""

    __tablename__ = "team_result"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(6, 2))
    grade: Mapped[str | None] = mapped_column(String(20))
    member_count: Mapped[int] = mapped_column(Integer)
    graded_count: Mapped[int] = mapped_column(Integer)
    # [{user_id, position, assessment_id, score, grade, veto}] at grading time.
    members: Mapped[list] = mapped_column(JSON, default=list)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    computed_at = mapped_column(DateTime(timezone=True), nullable=False)

    team = relationship("Team", lazy="joined")

    __table_args__ = (
        UniqueConstraint("cycle_id", "team_id"),
        CheckConstraint("graded_count >= 0 AND graded_count <= member_count",
                        name="graded_within_members"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 200)", name="score_range"),
        # A grade needs a score and a score gets a grade.
        CheckConstraint("(score IS NULL AND grade IS NULL) OR "
                        "(score IS NOT NULL AND grade IS NOT NULL)", name="grade_with_score"),
    )


def joint_liability_config(config):
    return {**DEFAULT_JOINT_LIABILITY, **(config.get("joint_liability") or {})}


def team_grades(config, kind):
    """[{grade, min}] best first: the configured team scale or one from the cycle's."""
    if config.get("team_grades"):
        return config["team_grades"]
    grades = config["grades"]
    if kind == "annual" and len(grades) == len(ANNUAL_TEAM_GRADES):
        return [{"grade": name, "min": g["min"]} for name, g in zip(ANNUAL_TEAM_GRADES, grades,
                                                                    strict=True)]
    return [{"grade": g["grade"], "min": g["min"]} for g in grades]


def grading_rule_errors(grading, kind):
    """{field: code} for the team and missing-quarter settings of a cycle's `grading`, so
    a typo is refused when the cycle is created instead of silently falling back."""
    from workflow_app.scoring.grading import merged_config
    from workflow_app.scoring.rules import MISSING_RULES

    errors = {}
    annual = grading.get("annual") if isinstance(grading.get("annual"), dict) else {}
    for name, value in (("grading.missing_quarters", grading.get("missing_quarters")),
                        ("grading.annual.missing_quarters", annual.get("missing_quarters"))):
        if value is not None and value not in MISSING_RULES:
            errors[name] = "unknown"
    joint = grading.get("joint_liability")
    if joint is None:
        return errors
    if not isinstance(joint, dict):
        return {**errors, "grading.joint_liability": "not_an_object"}
    factor = joint.get("quota_factor", 0.5)
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not 0 <= factor <= 1:
        errors["grading.joint_liability.quota_factor"] = "out_of_range"
    try:
        names = [g["grade"] for g in team_grades(merged_config(grading, kind), kind)]
    except (KeyError, TypeError):
        return errors  # a malformed grade list is not this check's business
    if joint.get("team_grade_cap", "一般") not in names:
        errors["grading.joint_liability.team_grade_cap"] = "unknown"
    positions = joint.get("principal_positions", [])
    if not isinstance(positions, list) or not all(isinstance(p, str) for p in positions):
        errors["grading.joint_liability.principal_positions"] = "not_a_list"
    return errors


def team_grade(score, vetoed, grades, cap):
    """(grade, capped): thresholds, then the joint-liability cap when a member is vetoed.

    A cap that is not one of the team grades means the grade above the lowest."""
    if score is None:
        return None, False
    names = [g["grade"] for g in grades]
    index = next((i for i, g in enumerate(grades) if score >= Decimal(str(g["min"]))),
                 len(grades) - 1)
    if not vetoed:
        return names[index], False
    cap_index = names.index(cap) if cap in names else max(len(names) - 2, 0)
    return names[max(index, cap_index)], index < cap_index


@dataclass
class TeamPlan:
    """The cycle's teams and what grading needs from them."""

    teams: list
    cadre_of: dict  # assessment id -> cadre id
    quota_factors: dict = field(default_factory=dict)  # unit id -> factor (liable units)
    liable: dict = field(default_factory=dict)  # team id -> [assessment ids of the causes]


def cycle_teams(cycle):
    """Teams of units inside the cycle's units' subtrees."""
    paths = [u.path for u in cycle.org_units]
    if not paths:
        return []
    return db.session.scalars(
        select(Team).join(OrgUnit, OrgUnit.id == Team.org_unit_id)
        .where(or_(*[OrgUnit.path.like(p + "%") for p in paths])).order_by(Team.id)).all()


def brings_liability(item):
    """A veto or a 突出问题 item on a team member (the 001 seed's 「突出问题」)."""
    return item is not None and bool({"veto", "serious_problem"} & set(item.flags))


def plan_teams(cycle, items, config):
    """Before grade_items: in an annual cycle, the lowered 优秀 quota of each unit whose
    team has a member with a veto or a serious problem. Nobody's flags change."""
    teams = cycle_teams(cycle)
    if not teams:  # nothing to look up: grading stays as fast as without teams
        return TeamPlan([], {})
    cadre_of = dict(db.session.execute(
        select(Assessment.id, Assessment.cadre_id).where(Assessment.cycle_id == cycle.id)).all())
    plan = TeamPlan(teams, cadre_of)
    if cycle.kind != "annual":  # joint liability is about the annual grade
        return plan
    factor = joint_liability_config(config)["quota_factor"]
    by_cadre = {cadre_of.get(i.id): i for i in items}
    for team in teams:
        causes = [by_cadre[m.user_id].id for m in team.members
                  if brings_liability(by_cadre.get(m.user_id))]
        if causes:
            plan.liable[team.id] = causes
            plan.quota_factors[team.org_unit_id] = factor
    return plan


def record_team_results(cycle, plan, items, config, now):
    """After grade_items: store each team's result for the cycle (replacing the last)."""
    by_cadre = {plan.cadre_of.get(i.id): i for i in items}
    grades = team_grades(config, cycle.kind)
    cap = joint_liability_config(config)["team_grade_cap"]
    causes = cause_items(sum(plan.liable.values(), []))
    old = {r.team_id: r for r in db.session.scalars(
        select(TeamResult).where(TeamResult.cycle_id == cycle.id))}
    for team in plan.teams:
        result = old.pop(team.id, None) or TeamResult(cycle_id=cycle.id, team_id=team.id)
        _fill(result, team, by_cadre, grades, cap if team.id in plan.liable else None)
        _mark_causes(result, causes)
        result.computed_at = now
        db.session.add(result)
    for stale in old.values():  # a team removed since the last grading
        db.session.delete(stale)


def cause_items(assessment_ids):
    """{assessment id: [{kind, reason, serious}]}: the items that brought liability."""
    if not assessment_ids:
        return {}
    rows = db.session.scalars(select(NegativeItem).where(
        NegativeItem.assessment_id.in_(assessment_ids),
        or_(NegativeItem.kind == "veto", NegativeItem.serious)).order_by(NegativeItem.id))
    out = {}
    for n in rows:
        out.setdefault(n.assessment_id, []).append({"kind": n.kind, "reason": n.reason})
    return out


def _mark_causes(result, causes):
    """Each liable member's items, kept with the result to say why the quota fell."""
    result.members = [{**m, "liability_items": causes.get(m["assessment_id"], [])}
                      if m["assessment_id"] in causes else m for m in result.members]


def _fill(result, team, by_cadre, grades, cap):
    """`cap`: the team grade cap when joint liability applies to the team, else None."""
    members, scores = [], []
    for m in team.members:
        item = by_cadre.get(m.user_id)
        if item is not None and item.score is not None:
            scores.append(Decimal(str(item.score)))
        members.append({"user_id": m.user_id, "position": m.position,
                        "assessment_id": item.id if item else None,
                        "score": None if item is None or item.score is None else str(item.score),
                        "grade": item.grade if item else None,
                        "veto": item is not None and "veto" in item.flags})
    result.score = q(sum(scores) / len(scores)) if scores else None
    result.grade, capped = team_grade(result.score, cap is not None, grades, cap)
    result.member_count, result.graded_count = len(members), len(scores)
    result.members = members
    flags = ["joint_liability"] if cap is not None else []
    flags += ["team_grade_capped"] if capped else []
    if len(scores) < len(members):
        flags.append(f"members_not_graded:{len(members) - len(scores)}")
    result.flags = flags + ([] if scores else ["no_score"])


def liable_teams(cycle_id):
    """[TeamResult] of the cycle under joint liability, with their members' items."""
    flagged = cast(TeamResult.flags, String).like('%"joint_liability"%')
    return db.session.scalars(select(TeamResult).where(
        TeamResult.cycle_id == cycle_id, flagged).order_by(TeamResult.id)).all()


@dataclass
class Liability:
    """Why a unit's top-grade quota is lowered: the team, the member and the items."""

    team: str
    member: str
    position: str
    items: list  # [{kind, reason}]

    @property
    def items_text(self):
        """「一票否决：reason；突出问题：reason」 as shown on the grading page."""
        return "；".join(f"{LIABILITY_KINDS.get(i['kind'], i['kind'])}：{i['reason']}"
                        for i in self.items)


def liabilities_of(result):
    """[Liability] of a team result: each liable member with their items."""
    names = {m.user_id: m.user.display_name for m in result.team.members}
    return [Liability(result.team.name, names.get(m["user_id"], ""), m["position"],
                      m["liability_items"])
            for m in result.members or [] if m.get("liability_items")]


def liable_units(cycle_id):
    """{unit id: [Liability]} for the units whose team brings joint liability."""
    out = {}
    for result in liable_teams(cycle_id):
        out.setdefault(result.team.org_unit_id, []).extend(liabilities_of(result))
    return out


def team_results(cycle):
    return db.session.scalars(
        select(TeamResult).join(Team, Team.id == TeamResult.team_id)
        .join(OrgUnit, OrgUnit.id == Team.org_unit_id)
        .where(TeamResult.cycle_id == cycle.id).order_by(OrgUnit.path, Team.name)).all()


def team_result_json(r):
    return {"team_id": r.team_id, "name": r.team.name, "org_unit_id": r.team.org_unit_id,
            "score": float(r.score) if r.score is not None else None, "grade": r.grade,
            "member_count": r.member_count, "graded_count": r.graded_count,
            "flags": list(r.flags or []),
            "members": [{**m, "score": float(m["score"]) if m["score"] is not None else None}
                        for m in (r.members or [])]}

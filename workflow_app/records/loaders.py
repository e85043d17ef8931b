"""What each section of the record shows, as plain rows (records/sections.py says which).

Only what was published: a result (score, grade, rank, flags) and the entries that moved
it (key work, bonus / penalty entries, 负面清单 items) appear once the result is public
(公示 and after: assessments.permissions.PUBLIC_STATES) — for everyone, the cadre and
the organisation department alike, because the record is what the file says, not the
committee's working figures. Raters, reviewers and recorders are never named; an
objection names who raised it only to those scoring/disputes_privacy.py allows.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forms.followups import KIND_LABELS as FOLLOW_UP_KINDS
from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Objection, SelfReport
from workflow_app.cycles.indicators import AssessmentAdjustment, CycleIndicatorItem
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.ownership import tasks_in_cycles
from workflow_app.extensions import db
from workflow_app.followups.models import FollowUp
from workflow_app.people.models import User
from workflow_app.people.teams import Team, TeamMember
from workflow_app.scoring.disputes_privacy import sees_objector
from workflow_app.scoring.disputes_views import STATUS_LABELS
from workflow_app.scoring.models import NegativeItem
from workflow_app.scoring.results import flag_label
from workflow_app.scoring.teams import TeamResult

NOT_PUBLISHED = _l("Not published yet")
TYPE_LABELS = {"bonus": _l("Bonus (commendation)"), "penalty": _l("Penalty"),
               "deduct": _l("Negative list: points deducted"),
               "veto": _l("Negative list: veto (一票否决)")}
KIND_LABELS = {"dispute": _l("Objection (公示)"), "appeal": _l("Appeal (申诉)")}
HIDDEN = _l("Not shown (only the organisation department and the auditor see who)")


def _num(value):
    return float(value) if value is not None else None


def cycle_fields(a):
    c = a.cycle
    return {"year": c.year, "cycle_id": c.id, "cycle": c.name, "kind": c.kind,
            "quarter": c.quarter, "assessment_id": a.id, "unit": a.org_unit.name}


def _status(a, public):
    return str(state_label(a.state)) if public or a.state == "excluded" else str(NOT_PUBLISHED)


def results(ctx):
    rows = []
    for a in ctx.assessments:
        public = ctx.is_public(a)
        row = cycle_fields(a) | {"state": a.state if public or a.state == "excluded" else None,
                                 "status": _status(a, public), "score": None, "grade": None,
                                 "rank": None, "flags": [], "flag_labels": ""}
        if public:
            flags = list(a.flags or [])
            row.update(score=_num(a.score), grade=a.grade, rank=a.rank, flags=flags,
                       flag_labels="、".join(flag_label(f) for f in flags))
        rows.append(row)
    return rows


def key_work(ctx):
    """The key work of the report as it stood when the result was decided (newest revision)."""
    by_id = {a.id: a for a in ctx.published}
    if not by_id:
        return []
    newest = {}
    for aid, content in db.session.execute(
            select(SelfReport.assessment_id, SelfReport.content)
            .where(SelfReport.assessment_id.in_(by_id)).order_by(SelfReport.revision)):
        newest[aid] = content or {}
    return [cycle_fields(a) | {"key_work": newest[a.id]["key_work"]}
            for a in ctx.published if (newest.get(a.id) or {}).get("key_work")]


def rewards(ctx):
    """Bonus / penalty entries (加分 / 扣分) and negative-list items, without their recorder."""
    by_id = {a.id: a for a in ctx.published}
    if not by_id:
        return []
    entries = db.session.execute(
        select(AssessmentAdjustment.assessment_id, CycleIndicatorItem.kind,
               CycleIndicatorItem.name, AssessmentAdjustment.points, AssessmentAdjustment.reason)
        .join(CycleIndicatorItem, CycleIndicatorItem.id == AssessmentAdjustment.item_id)
        .where(AssessmentAdjustment.assessment_id.in_(by_id))
        .order_by(AssessmentAdjustment.id)).all()
    negatives = db.session.execute(
        select(NegativeItem.assessment_id, NegativeItem.kind, NegativeItem.points,
               NegativeItem.reason).where(NegativeItem.assessment_id.in_(by_id))
        .order_by(NegativeItem.id)).all()
    rows = [(aid, kind, name, points, reason) for aid, kind, name, points, reason in entries]
    rows += [(aid, kind, gettext("Negative list"), points if kind == "deduct" else None, reason)
             for aid, kind, points, reason in negatives]
    order = {aid: i for i, aid in enumerate(by_id)}
    rows.sort(key=lambda r: order[r[0]])
    return [cycle_fields(by_id[aid]) | {"type": kind, "type_label": str(TYPE_LABELS[kind]),
                                         "item": name, "points": _num(points), "reason": reason}
            for aid, kind, name, points, reason in rows]


def objections(ctx):
    """异议 and 申诉 on the cadre's results, with their outcome; who raised one only for
    those who may know (the objector, the org_admin and the auditor over the result)."""
    by_id = {a.id: a for a in ctx.assessments}
    if not by_id:
        return []
    found = db.session.execute(
        select(Objection.assessment_id, Objection.kind, Objection.status, Objection.resolution,
               Objection.raised_by_id, User.display_name)
        .join(User, User.id == Objection.raised_by_id)
        .where(Objection.assessment_id.in_(by_id)).order_by(Objection.id)).all()
    return [_objection_row(ctx, by_id[aid], kind, status, resolution, raiser_id, raiser)
            for aid, kind, status, resolution, raiser_id, raiser in found]


def _objection_row(ctx, a, kind, status, resolution, raiser_id, raiser):
    shown = sees_objector(ctx.viewer, a, raiser_id)
    return cycle_fields(a) | {
        "kind": kind, "kind_label": str(KIND_LABELS[kind]), "status": status,
        "status_label": str(STATUS_LABELS.get(status, status)), "resolution": resolution or "",
        "raised_by": raiser if shown else None,
        "raised_by_label": raiser if shown else str(HIDDEN)}


def teams(ctx):
    """班子 results of published cycles for the teams the cadre sits in (staff only: a
    team's grade speaks of the other members too)."""
    found = db.session.execute(
        select(Cycle.year, Cycle.id, Cycle.name, Team.name, TeamMember.position,
               TeamResult.grade)
        .join(Team, Team.id == TeamMember.team_id)
        .join(TeamResult, TeamResult.team_id == Team.id)
        .join(Cycle, Cycle.id == TeamResult.cycle_id)
        .where(TeamMember.user_id == ctx.cadre.id, Cycle.published_at.is_not(None))
        .order_by(Cycle.year, Cycle.opens_at, Team.name)).all()
    return [{"year": year, "cycle_id": cid, "cycle": cname, "team": team, "position": position,
             "grade": grade} for year, cid, cname, team, position, grade in found]


FOLLOW_UP_STATUS = {"open": _l("Being followed up"), "closed": _l("Closed (销号)")}


def follow_ups(ctx):
    """专题民主生活会 / 提醒谈话 / 约谈 about the cadre (followups/), with the measures'
    progress and the outcome: two statements (the follow-ups, their measures)."""
    found = db.session.scalars(select(FollowUp).where(FollowUp.user_id == ctx.cadre.id)
                               .order_by(FollowUp.created_at, FollowUp.id)).all()
    return [{"year": f.cycle.year, "cycle_id": f.cycle_id, "cycle": f.cycle.name,
             "kind": f.kind, "kind_label": str(FOLLOW_UP_KINDS[f.kind]),
             "held_on": f.held_on.isoformat() if f.held_on else "",
             "measures": gettext("%(done)d of %(all)d done",
                                 done=sum(m.status == "done" for m in f.measures),
                                 all=len(f.measures)),
             "status": f.status, "status_label": str(FOLLOW_UP_STATUS[f.status]),
             "outcome": f.outcome or ""} for f in found]


def tasks(ctx):
    """Indicator tasks the cadre is 总负责 of, or their unit leads or shares (秦皇岛: 1 家
    牵头单位、1 名市管干部总负责、若干责任单位), per cycle: three statements."""
    cycles = {a.cycle_id: a.cycle for a in ctx.assessments}
    found = tasks_in_cycles([(a.cycle_id, a.org_unit_id) for a in ctx.assessments],
                            ctx.cadre.id)
    return [{"year": cycles[t["cycle_id"]].year, "cycle_id": t["cycle_id"], "cycle": t["cycle"],
             "name": t["name"], "lead_unit": t["lead_unit"] or "—",
             "lead_cadre": t["lead_cadre"] or "—",
             "responsible_units": "、".join(t["responsible_units"]) or "—",
             "roles": t["roles"]} for t in found]

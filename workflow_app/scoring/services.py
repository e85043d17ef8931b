"""Grading, publishing and finalising a cycle's results."""

import json

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, case, func, select, text, type_coerce, update

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.progress import is_preview, require_complete_for_publish, state_counts
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.notifications.services import queue
from workflow_app.people.models import OrgUnit
from workflow_app.scoring.grading import Item, grade_items, merged_config
from workflow_app.scoring.inputs import open_items
from workflow_app.scoring.liability import open_principal_talks
from workflow_app.scoring.teams import joint_liability_config, plan_teams, record_team_results
from workflow_app.workcalendar import LOCAL_TZ, add_working_days

GRADED_STATES = ("approved", "published", "disputed", "final", "appealed")


def grade_cycle(cycle, actor, now=None):
    """Compute score, grade, rank and flags for every approved assessment.

    The quota base is everyone assessed in the unit; grades already published stay
    as they are and use up their share of the quota.
    """
    if actor is not None and not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    # Plain rows, not ORM objects: 50,000 of them load and write back in bulk (read on
    # the connection: the ORM's row processing costs more than the query here).
    a_ = Assessment
    db.session.flush()
    rows = [(r, r.category) for r in db.session.connection().execute(
        select(a_.id, a_.org_unit_id, a_.cadre_id, a_.state, a_.score, a_.grade, a_.rank,
               _unless_approved(a_.flags), OrgUnit.category)
        .join(OrgUnit, OrgUnit.id == a_.org_unit_id)
        .where(a_.cycle_id == cycle.id, a_.state.in_(GRADED_STATES)))]
    config = merged_config(cycle.grading, cycle.kind)
    approved = (select(a_.id).where(a_.cycle_id == cycle.id, a_.state == "approved")
                .scalar_subquery())
    items = open_items(cycle, [(a, cat) for a, cat in rows if a.state == "approved"], config,
                       id_query=approved)
    items += [_frozen(a, cat) for a, cat in rows if a.state != "approved"]
    teams = plan_teams(cycle, items, config)  # 班子: joint liability sets their units' quota
    before = {i.id: (i.rank, list(i.flags)) for i in items if i.frozen}
    grade_items(items, config, _unit_sizes(cycle), teams.quota_factors)
    # Ranks and bands are over the whole ranking: a published result whose rank moved
    # (someone re-reviewed above it) is rewritten too; its grade stays.
    _write_results([i for i in items if not i.frozen or before[i.id] != (i.rank, i.flags)])
    cycle.graded_at = as_utc(now) if now else utcnow()
    record_team_results(cycle, teams, items, config, cycle.graded_at)
    summary = _summary([i for i in items if not i.frozen])
    # Before every assessment is done this is a trial run (试算): nothing closes.
    summary["preview"] = is_preview(state_counts(cycle))
    if cycle.kind == "annual" and not summary["preview"]:  # 约谈主要负责人 (连带责任)
        positions = joint_liability_config(config)["principal_positions"]
        summary["principal_talks"] = len(open_principal_talks(cycle, positions))
    record("cycle", cycle.id, "grade", actor=actor, at=cycle.graded_at, data=summary)
    return summary


def _unless_approved(flags):
    """The flags of results already out (frozen), NULL for those to grade now: they get
    new flags, and 50,000 JSON values need not be parsed for nothing."""
    return type_coerce(case((Assessment.state == "approved", None), else_=flags),
                       JSON).label("flags")


def _write_results(items):
    """One executemany UPDATE by primary key; loaded copies are expired, not stale."""
    if not items:
        return
    if db.session.get_bind().dialect.name == "postgresql":
        _write_results_pg(items)
    else:  # SQLite runs in-process: executemany is as fast as it gets
        db.session.execute(update(Assessment), [
            {"id": i.id, "score": i.score, "grade": i.grade, "rank": i.rank, "flags": i.flags}
            for i in items])
    graded = {i.id for i in items}
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Assessment) and obj.id in graded:
            db.session.expire(obj, ["score", "grade", "rank", "flags"])


_WRITE_PG = text(
    "UPDATE assessment SET score = v.score, grade = v.grade, rank = v.rank, flags = v.flags "
    "FROM json_to_recordset(CAST(:rows AS json)) "
    "AS v(id integer, score numeric, grade varchar, rank integer, flags json) "
    "WHERE assessment.id = v.id")


def _write_results_pg(items):
    """One UPDATE … FROM json_to_recordset for every row: one statement and one text
    parameter (serialised in C), where arrays of 50,000 Decimals and strings cost
    seconds to adapt. The columns written are in no index, so with the table's
    fillfactor (migration h12open0001) the new row versions stay on their page (HOT)."""
    rows = [{"id": i.id, "score": None if i.score is None else str(i.score), "grade": i.grade,
             "rank": i.rank, "flags": i.flags or []} for i in items]
    db.session.execute(_WRITE_PG, {"rows": json.dumps(rows, ensure_ascii=False)})


def _frozen(a, category):
    return Item(a.id, a.org_unit_id, category, a.score, grade=a.grade, rank=a.rank,
                flags=list(a.flags or []), frozen=True)


def _unit_sizes(cycle):
    # Those excluded (不参加本次考核) take no quota.
    rows = db.session.execute(select(Assessment.org_unit_id, func.count())
                              .where(Assessment.cycle_id == cycle.id,
                                     Assessment.state != "excluded")
                              .group_by(Assessment.org_unit_id))
    return dict(rows.all())


def _summary(items):
    counts = {}
    for item in items:
        counts[item.grade or "-"] = counts.get(item.grade or "-", 0) + 1
    return {"graded": sum(1 for i in items if i.grade), "ungraded": sum(
        1 for i in items if not i.grade), "grades": counts}


def publish_cycle(cycle, actor, now=None, client_addr=""):
    """Fire `publish` on every graded, approved assessment and open the 公示 period."""
    now = as_utc(now) if now else utcnow()
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    # Publishing ends the window for good: never while someone is still drafting or
    # waiting for a review (exclude those on leave or transferred first).
    require_complete_for_publish(cycle)
    todo = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "approved",
        Assessment.grade.is_not(None))).all()
    if not todo:
        raise WrongState(_l("Nothing to publish: grade the approved assessments first."),
                         code="nothing_to_publish")
    cycle.published_at = now
    cycle.publication_ends_at = (now if cycle.without_publicity
                                 else add_working_days(now, cycle.publicity_days))
    for a in todo:
        fire_event(a, "publish", actor, now=now, client_addr=client_addr)
        if cycle.without_publicity:  # a month without 公示: filed (备案) at once
            fire_event(a, "finalize", None, now=now)
        else:
            _queue_published(a, cycle)
    cycle.status = "published"
    record("cycle", cycle.id, "publish", actor=actor, at=now,
           data={"published": len(todo), "ends_at": cycle.publication_ends_at.isoformat()})
    return todo


def _queue_published(assessment, cycle):
    until = as_utc(cycle.publication_ends_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    queue(assessment.cadre, "published",
          {"cycle": cycle.name, "grade": assessment.grade, "until": until},
          key=f"a{assessment.id}:v{assessment.version}:published",
          link=f"/assessments/{assessment.id}")


def finalize_due(now=None):
    """Scheduler job: finalize published assessments whose publication has ended.

    Idempotent: a second run finds nothing left in `published` for ended cycles.
    """
    now = as_utc(now) if now else utcnow()
    due = db.session.scalars(
        select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
        .where(Assessment.state == "published", Cycle.publication_ends_at <= now)).all()
    for a in due:
        fire_event(a, "finalize", None, now=now)
    return len(due)

"""催办: the clerk reminds, now, everyone still drafting in a cycle, and sees who is
late with a review (per reviewer).

A reminder goes once per person per (Beijing) day whatever the number of clicks,
clerks or API calls: the dedup key carries the date, and the outbox's unique key
turns a repeat into nothing.
"""

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.reviewers import stage_people
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import OrgUnit, User
from workflow_app.scheduler.jobs import reminder_channels
from workflow_app.scheduler.policy import review_sla
from workflow_app.workcalendar import LOCAL_TZ, today_local, working_days_between
from workflows import get_workflow

KINDS["submit_urged"] = (
    _l("Reminder from the organisation department: %(cycle)s"),
    _l("Your report for %(cycle)s is not submitted yet; the deadline is %(deadline)s."),
)
SHOWN = 200


def drafting_people(cycle, limit=SHOWN):
    """(assessment id, cadre name, unit name) of those who have not submitted."""
    return db.session.execute(
        select(Assessment.id, User.display_name, OrgUnit.name)
        .join(User, User.id == Assessment.cadre_id)
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle.id, Assessment.state == "drafting")
        .order_by(OrgUnit.path, User.display_name).limit(limit)).all()


def reminded_today(cycle, now=None):
    """How many of those still drafting already got today's 催办 (they are skipped)."""
    from workflow_app.notifications.models import Notification

    day = today_local(as_utc(now) if now else utcnow()).isoformat()
    drafting = db.session.scalars(select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "drafting")).all()
    if not drafting:
        return 0
    # Keys are "a<assessment>:urged:<day>:<user>:<channel>" (notifications.services).
    keys = db.session.scalars(select(Notification.dedup_key).where(
        Notification.dedup_key.like(f"a%:urged:{day}:%"))).all()
    return len({f"a{aid}" for aid in drafting} & {k.split(":", 1)[0] for k in keys})


def remind_drafters(cycle, actor, now=None):
    """Queue a reminder to every cadre still drafting; the number newly reminded."""
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    now = as_utc(now) if now else utcnow()
    day = today_local(now).isoformat()
    deadline = as_utc(cycle.submit_deadline).astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    params = {"cycle": cycle.name, "deadline": deadline}
    rows = db.session.execute(select(Assessment.id, User).join(
        User, User.id == Assessment.cadre_id).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "drafting")).all()
    added = queue_many([(cadre, "submit_urged", params, f"a{aid}:urged:{day}",
                         f"/assessments/{aid}", reminder_channels(cadre))
                        for aid, cadre in rows], load=False)
    queued = _people_reached(added)
    record("cycle", cycle.id, "remind", actor=actor, at=now, data={"queued": queued})
    return queued


def _people_reached(ids):
    """Distinct assessments among the notifications just added (one per channel)."""
    from workflow_app.notifications.models import Notification

    if not ids:
        return 0
    keys = db.session.scalars(select(Notification.dedup_key).where(
        Notification.id.in_(ids))).all()
    return len({key.split(":", 1)[0] for key in keys})


def overdue_by_reviewer(cycle, now=None, limit=SHOWN):
    """{reviewer name: [(assessment id, cadre name, working days waited)]} past the SLA."""
    now = as_utc(now) if now else utcnow()
    found = defaultdict(list)
    stages = get_workflow(cycle.workflow_key, cycle.workflow_version).stage_actor
    items = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state.in_(list(stages)))
        .order_by(Assessment.state_since).limit(limit)).all()
    for a in items:
        days = working_days_between(as_utc(a.state_since), now)
        if days > review_sla(cycle, a.state):
            for reviewer in stage_people(a, a.state) or [None]:
                name = reviewer.display_name if reviewer else "—"
                found[name].append((a.id, a.cadre.display_name, days))
    return dict(sorted(found.items(), key=lambda kv: -len(kv[1])))

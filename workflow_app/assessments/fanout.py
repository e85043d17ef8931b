"""Telling people what a transition asks of them: after its commit, in bulk, once.

A transition writes its state, its audit entry and one `OutboxEvent` ("entered
committee_review"). Working out who must be told (the stage's people, committee
eligibility and recusals, the cadre) happens here, for many events at once; the
notifications service then applies preferences and substitutes and writes the rows
with their dedup keys. The notices and the deletion of their events commit together,
and events are claimed with SKIP LOCKED on PostgreSQL: each is told exactly once, by
whichever runs first of
- the request or scheduler job that made the change, right after its commit
  (FANOUT_AFTER_COMMIT, on by default, so an in-app notice is there when the next
  person looks), and
- the dispatcher (notifications.dispatcher.drain), which picks up anything left over
  (a process that died between the commit and the fan-out, a scheduler job, a CLI).
"""

import logging

from flask import current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session, joinedload

from workflow_app.assessments.models import Assessment, OutboxEvent
from workflow_app.assessments.reviewers import Reviewers
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.services import holders_of

log = logging.getLogger(__name__)
CHUNK = 500
EVENTS = OutboxEvent.__table__
WRITTEN, COMMITTED = "outbox_written", "outbox_committed"


def fan_out(limit=None):
    """Expand pending events into notifications, oldest first, a chunk at a time;
    returns how many. The caller commits (notices and deleted events go together)."""
    done = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - done)
        rows = db.session.execute(select(EVENTS).order_by(EVENTS.c.id).limit(size)
                                  .with_for_update(skip_locked=True)).all()
        if not rows:
            break
        queue_many(notices(rows), load=False)
        db.session.execute(delete(EVENTS).where(EVENTS.c.id.in_([r.id for r in rows])))
        done += len(rows)
    return done


def notices(rows):
    """[(user, kind, params, key, link, None)] for outbox event rows."""
    assessments = _assessments({r.assessment_id for r in rows})
    names = _names({r.actor_id for r in rows if r.actor_id is not None})
    reviewers = Reviewers(assessments.values())
    items = []
    for row in rows:
        a = assessments[row.assessment_id]
        base = {"cycle": a.cycle.name, "cadre": a.cadre.display_name,
                "actor": names.get(row.actor_id, ""), "comment": row.params.get("comment", ""),
                "reason": row.params.get("reason", ""), "grade": row.params.get("grade", ""),
                "event": row.event, "until": ""}
        key, link = f"a{a.id}:v{row.version}", f"/assessments/{a.id}"
        items += [(user, kind, base, f"{key}:{kind}", link, None)
                  for user, kind in recipients(row, a, reviewers)]
    return items


def recipients(row, assessment, reviewers):
    """Who is told of the event, and as which kind of notice."""
    event, state, cadre = row.event, row.state, assessment.cadre
    if event in ("submit", "approve", "uphold", "grant") and state != "approved":
        return [(u, "review_waiting") for u in reviewers.of(assessment, state, row.version)]
    if event == "approve":
        return [(cadre, "approved")]
    if event == "send_back":
        return [(cadre, "sent_back")]
    if event in ("dispute", "appeal"):
        return [(u, "objection_raised") for u in holders_of(ORG_ADMIN, assessment.org_unit)]
    if event in ("dismiss", "deny"):
        return [(cadre, "objection_resolved")]
    if event == "finalize":
        return [(cadre, "finalized")]
    return []


def _assessments(ids):
    # Recipients need addresses, locales and preferences, not role grants.
    people = joinedload(Assessment.cadre)
    options = (people.lazyload(User.grants), people.joinedload(User.supervisor)
               .lazyload(User.grants), joinedload(Assessment.cycle).lazyload(Cycle.org_units))
    found = db.session.scalars(select(Assessment).where(Assessment.id.in_(ids))
                               .options(*options)).unique()
    return {a.id: a for a in found}


def _names(ids):
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(ids))).all())


# --- right after the request that made the change --------------------------------------

def mark_written(session):
    session.info[WRITTEN] = True


@event.listens_for(Session, "after_commit")
def _committed(session):
    if session.info.pop(WRITTEN, False):
        session.info[COMMITTED] = True


@event.listens_for(Session, "after_rollback")
def _rolled_back(session):
    session.info.pop(WRITTEN, None)


def fan_out_committed():
    """Fan out what this session has just committed (a request, a scheduler job): the
    change is durable already, so a failure here is logged and left to the dispatcher."""
    if not db.session.info.pop(COMMITTED, False) or not current_app.config["FANOUT_AFTER_COMMIT"]:
        return
    try:
        fan_out(limit=current_app.config["FANOUT_AFTER_COMMIT_LIMIT"])
        db.session.commit()
    except Exception:
        db.session.rollback()
        log.exception("fan-out after the commit failed; the dispatcher will retry")


def _after_request(response):
    fan_out_committed()
    return response


def init_app(app):
    app.config.setdefault("FANOUT_AFTER_COMMIT", True)
    app.config.setdefault("FANOUT_AFTER_COMMIT_LIMIT", 5000)
    app.after_request(_after_request)

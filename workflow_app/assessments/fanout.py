"""Telling people what a transition asks of them: after its commit, in bulk, once.

A transition writes its state and its audit entry, nothing more for the telling: the
entry is the outbox event ("approve, into committee_review, by 张三"), and an
assessment whose `version` is past its `told_version` has entries still to tell (a
small partial index finds them). Working out who must be told (the stage's people,
committee eligibility and recusals, the cadre) happens here for many items at once; the
notifications service then applies preferences and substitutes and writes the rows
with their dedup keys. The notices and the new `told_version` commit together, and the
items are claimed with SKIP LOCKED on PostgreSQL: each entry is told exactly once, by
whichever runs first of
- the request or scheduler job that made the change, right after its commit
  (FANOUT_AFTER_COMMIT, on by default, so an in-app notice is there when the next
  person looks), and
- the dispatcher (notifications.dispatcher.drain), which picks up anything left over
  (a process that died between the commit and the fan-out, a CLI command).
"""

import logging

from flask import current_app
from sqlalchemy import and_, bindparam, event, select, update
from sqlalchemy.orm import Session, joinedload

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.reviewers import Reviewers
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.services import holders_of

log = logging.getLogger(__name__)
CHUNK = 500
WRITTEN, COMMITTED = "outbox_written", "outbox_committed"


def fan_out(limit=None):
    """Tell what transitions of not yet told assessments ask, a chunk at a time; returns
    how many assessments were told. The caller commits."""
    done = 0
    while limit is None or done < limit:
        size = CHUNK if limit is None else min(CHUNK, limit - done)
        claimed = db.session.execute(
            select(Assessment.id, Assessment.version)
            .where(Assessment.told_version < Assessment.version).order_by(Assessment.id)
            .limit(size).with_for_update(skip_locked=True)).all()
        if not claimed:
            break
        queue_many(notices(dict(claimed)), load=False)
        _mark_told(claimed)
        done += len(claimed)
    return done


def notices(versions):
    """[(user, kind, params, key, link, None)] for the untold entries of {id: version}."""
    assessments = _assessments(versions)
    entries = _untold_entries(versions)
    names = _names({e.actor_id for e in entries if e.actor_id is not None})
    reviewers = Reviewers(assessments.values())
    items = []
    for e in entries:
        a = assessments[e.subject_id]
        base = {"cycle": a.cycle.name, "cadre": a.cadre.display_name,
                "actor": names.get(e.actor_id, ""), "comment": e.comment or "",
                "reason": (e.data or {}).get("reason") or "", "grade": a.grade or "",
                "event": e.action, "until": ""}
        key, link = f"a{a.id}:v{e.seq}", f"/assessments/{a.id}"
        items += [(user, kind, base, f"{key}:{kind}", link, None)
                  for user, kind in recipients(e, a, reviewers)]
    return items


# The moves someone is told of; any other entry (a committee vote, a recusal) is told
# to nobody, and versioned_move marks it told at once when nothing before it waits.
TOLD_EVENTS = frozenset({"submit", "approve", "uphold", "grant", "send_back", "dispute",
                         "appeal", "dismiss", "deny", "finalize"})


def recipients(entry, assessment, reviewers):
    """Who is told of a move (its audit entry), and as which kind of notice."""
    event, state, cadre = entry.action, entry.to_state, assessment.cadre
    if event in ("submit", "approve", "uphold", "grant") and state != "approved":
        return [(u, "review_waiting") for u in reviewers.of(assessment, state, entry.seq)]
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
    return []  # a committee vote, a recusal: nobody new has anything to do


def _untold_entries(versions):
    a, e = Assessment.__table__, AuditEntry.__table__
    query = (select(e.c.subject_id, e.c.seq, e.c.action, e.c.to_state, e.c.actor_id,
                    e.c.comment, e.c.data)
             .join(a, and_(e.c.subject_type == "assessment", e.c.subject_id == a.c.id,
                           e.c.seq > a.c.told_version))
             .where(a.c.id.in_(list(versions))).order_by(e.c.subject_id, e.c.seq))
    return [r for r in db.session.execute(query) if r.seq <= versions[r.subject_id]]


def _mark_told(claimed):
    """Told up to the version each was claimed at. SQLite has no row locks: a transition
    committed since the claim keeps its entry untold, and of two fan-outs of the same
    item the later mark never moves `told_version` back (dedup keys keep the notices
    single)."""
    table = Assessment.__table__
    db.session.execute(
        update(table).where(table.c.id == bindparam("b_id"),
                            table.c.told_version < bindparam("b_version"))
        .values(told_version=bindparam("b_version")),
        [{"b_id": ident, "b_version": version} for ident, version in claimed])


def _assessments(ids):
    # Recipients need addresses, locales and preferences, not role grants.
    people = joinedload(Assessment.cadre)
    options = (people.lazyload(User.grants), people.joinedload(User.supervisor)
               .lazyload(User.grants), joinedload(Assessment.cycle).lazyload(Cycle.org_units))
    found = db.session.scalars(select(Assessment).where(Assessment.id.in_(list(ids)))
                               .options(*options)).unique()
    return {a.id: a for a in found}


def _names(ids):
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.display_name)
                                   .where(User.id.in_(ids))).all())


# --- right after the request or job that made the change -------------------------------

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
    app.after_request(_after_request)

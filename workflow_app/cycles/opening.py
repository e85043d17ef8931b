"""The rows a cycle opening writes for every cadre: assessment (carrying its audit
chain's head), first report and audit entry, and the "cycle opened" notice.

A city is 50,000 cadres: none of these rows is an ORM object. On PostgreSQL the ids
are drawn from the sequence first, so each audit entry (whose MAC covers the
assessment id) is hashed before its assessment is written and the assessments go in
with their chain head already set; then every table gets one COPY. Elsewhere
(SQLite) the rows go in with executemany.
"""

import json

from sqlalchemy import insert, select, text, update

from workflow_app.assessments.models import Assessment, SelfReport
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.services import first_entries, first_heads
from workflow_app.bulk import copy_rows, is_postgres
from workflow_app.clock import as_utc
from workflow_app.extensions import db
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.workcalendar import LOCAL_TZ
from workflows import get_workflow

ASSESSMENT_COLUMNS = ("id", "cycle_id", "cadre_id", "org_unit_id", "state", "version", "flags",
                      "state_since", "created_at", "audit_head", "audit_head_mac")
ENTRY_COLUMNS = tuple(c.name for c in AuditEntry.__table__.columns if c.name != "id")


def insert_assessments(cycle, rows, actor, now):
    """Assessments in the initial state for `rows` (cadre id, unit id): their ids."""
    initial = get_workflow(cycle.workflow_key, cycle.workflow_version).initial
    if is_postgres():
        return _copy_assessments(cycle, rows, actor, now, initial)
    return _insert_assessments(cycle, rows, actor, now, initial)


def _entries(ids, actor, now, initial):
    return first_entries("assessment", ids, actor=actor, at=now, action="open",
                         to_state=initial, actor_role="org_admin" if actor else "system")


def _copy_assessments(cycle, rows, actor, now, initial):
    ids = sorted(db.session.scalars(text(
        "SELECT nextval(pg_get_serial_sequence('assessment', 'id')) "
        "FROM generate_series(1, :n)"), {"n": len(rows)}))
    entries = _entries(ids, actor, now, initial)
    heads = first_heads(entries)
    copy_rows("assessment", ASSESSMENT_COLUMNS, [
        (i, cycle.id, r.id, r.org_unit_id, initial, 1, "[]", now, now, e["hash"], h["head_mac"])
        for i, r, e, h in zip(ids, rows, entries, heads, strict=True)])
    copy_rows("self_report", ("assessment_id", "revision", "content", "updated_at"),
              [(i, 1, "{}", now) for i in ids])
    copy_rows("audit_entry", ENTRY_COLUMNS, [_entry_tuple(e) for e in entries])
    return ids


def _entry_tuple(entry):
    return tuple(json.dumps(entry[c]) if c == "data" else entry[c] for c in ENTRY_COLUMNS)


def _insert_assessments(cycle, rows, actor, now, initial):
    ids = db.session.scalars(
        insert(Assessment).returning(Assessment.id),
        [{"cycle_id": cycle.id, "cadre_id": r.id, "org_unit_id": r.org_unit_id,
          "state": initial, "version": 1, "flags": [], "state_since": now, "created_at": now,
          "audit_head": ""} for r in rows]).all()
    db.session.execute(insert(SelfReport), [
        {"assessment_id": i, "revision": 1, "content": {}, "updated_at": now} for i in ids])
    entries = _entries(ids, actor, now, initial)
    db.session.execute(insert(AuditEntry), entries)
    db.session.execute(update(Assessment), [
        {"id": e["subject_id"], "audit_head": e["hash"], "audit_head_mac": h["head_mac"]}
        for e, h in zip(entries, first_heads(entries), strict=True)])
    return ids


def queue_opened(cycle):
    """The "cycle opened" notice to every cadre of the cycle; the dedup key skips those
    already told (opening again adds only the newcomers' notices)."""
    deadline = as_utc(cycle.submit_deadline).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    params = {"cycle": cycle.name, "deadline": deadline}
    # Plain rows with what queueing reads (id, addresses, locale), not 50,000 Users.
    cadres = db.session.execute(
        select(User.id, User.email, User.phone, User.locale)
        .join(Assessment, Assessment.cadre_id == User.id)
        .where(Assessment.cycle_id == cycle.id))
    queue_many([(c, "cycle_opened", params, f"c{cycle.id}:opened", "/my", None)
                for c in cadres], load=False)

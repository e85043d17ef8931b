"""Writing and verifying the hash-chained audit log.

Each entry's hash covers its content and the previous entry's hash, so editing or
deleting any entry breaks the chain from that point on. Services add entries to
the session; the caller's single commit makes them durable with the change.
"""

import hashlib
import json
from decimal import Decimal

from sqlalchemy import select

from workflow_app.audit.models import AuditEntry
from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db

GENESIS = "0" * 64
HASHED = ("subject_type", "subject_id", "seq", "actor_id", "actor_role", "on_behalf_of_id",
          "action", "from_state", "to_state", "comment", "data", "client_addr")


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def entry_hash(fields, at, prev_hash):
    body = {k: fields.get(k) for k in HASHED}
    body["at"] = as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%f")
    body["prev_hash"] = prev_hash
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def make_entry(subject_type, subject_id, seq, prev_hash, *, actor=None, at=None, **fields):
    """Build (not add) an entry chained after `prev_hash`."""
    values = {"subject_type": subject_type, "subject_id": subject_id, "seq": seq,
              "actor_id": actor.id if actor is not None else None,
              "actor_role": "", "on_behalf_of_id": None, "from_state": "", "to_state": "",
              "comment": "", "data": {}, "client_addr": ""}
    values.update(fields)
    values["data"] = _plain(values["data"])
    at = as_utc(at) if at else utcnow()  # hashed as UTC text: normalise before hashing
    return AuditEntry(at=at, prev_hash=prev_hash, hash=entry_hash(values, at, prev_hash),
                      **values)


def record(subject_type, subject_id, action, *, actor=None, **fields):
    """Append an entry to a chain whose head is not stored elsewhere (cycles, users …)."""
    last = db.session.execute(
        select(AuditEntry.seq, AuditEntry.hash)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq.desc()).limit(1)
    ).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    entry = make_entry(subject_type, subject_id, seq, prev, actor=actor, action=action, **fields)
    db.session.add(entry)
    return entry


def history(subject_type, subject_id):
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
    ).all()

"""Writing the MAC-chained audit log.

Each entry carries an HMAC-SHA256 (key `AUDIT_KEY`, kept outside the database) over
its content and the previous entry's MAC, so editing or deleting an entry breaks the
chain from that point on, and nobody without the key can re-chain it. Every chain
has a head row (`audit_chain_head`, MAC'd too) naming its newest entry, so deleting
the tail shows as well. Services add entries to the session; the caller's single
commit makes them durable with the change.

`request_id` (the request or job run that wrote the entry, operations/logs.py) is
stored but not MAC'd: it is operational metadata chosen by whoever sent the request
(a well-formed X-Request-ID is kept), it says nothing about what was decided, and the
chain must verify the same for entries written before the column existed.
"""

import hashlib
import hmac
import json
from decimal import Decimal

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db
from workflow_app.operations.logs import current_request_id

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


def audit_key():
    return current_app.config["AUDIT_KEY"].encode()


def _text(body):
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _mac(key, body):
    return hmac.new(key, _text(body).encode(), hashlib.sha256).hexdigest()


def _entry_body(fields, at, prev_hash):
    body = {k: fields.get(k) for k in HASHED}
    body["at"] = as_utc(at).strftime("%Y-%m-%dT%H:%M:%S.%f")
    body["prev_hash"] = prev_hash
    return body


def entry_hash(fields, at, prev_hash, key=None):
    """The entry's MAC (the name stays from the unkeyed version)."""
    return _mac(key or audit_key(), _entry_body(fields, at, prev_hash))


_ID_SLOT = "\0subject_id\0"


def entry_hashes(fields, at, prev_hash, subject_ids, key):
    """entry_hash of `fields` for each of `subject_ids`, the rest alike (the first
    entries of 50,000 new chains): the MAC'd text is serialised once with a slot for
    the id, then only the id changes. Checked against entry_hash on the first id."""
    text = _text(_entry_body(fields | {"subject_id": _ID_SLOT}, at, prev_hash))
    head, tail = (part.encode() for part in text.split(json.dumps(_ID_SLOT)))
    macs = [hmac.new(key, b"%b%d%b" % (head, i, tail), hashlib.sha256).hexdigest()
            for i in subject_ids]
    if macs and macs[0] != entry_hash(fields | {"subject_id": subject_ids[0]}, at, prev_hash,
                                      key):
        raise AssertionError("entry_hashes differs from entry_hash")
    return macs


def head_mac(subject_type, subject_id, count, last_mac, key=None):
    body = ["head", subject_type, subject_id, count, last_mac]
    return _mac(key or audit_key(), body)


def first_entries(subject_type, subject_ids, *, actor=None, at=None, key=None, **fields):
    """entry_values of the first entry of each new chain in `subject_ids` (all alike but
    for the subject): what a bulk writer inserts, hashed without one ORM object or one
    JSON serialisation per entry."""
    key = key or audit_key()
    first = entry_values(subject_type, 0, 1, GENESIS, actor=actor, at=at, key=key, **fields)
    macs = entry_hashes(first, first["at"], GENESIS, subject_ids, key)
    return [first | {"subject_id": i, "hash": mac}
            for i, mac in zip(subject_ids, macs, strict=True)]


def make_entry(subject_type, subject_id, seq, prev_hash, *, actor=None, at=None, **fields):
    """Build (not add) an entry chained after `prev_hash`."""
    return AuditEntry(**entry_values(subject_type, subject_id, seq, prev_hash, actor=actor,
                                     at=at, **fields))


def entry_values(subject_type, subject_id, seq, prev_hash, *, actor=None, at=None, key=None,
                 **fields):
    """An entry's column values, MAC included, as a dict: bulk writers (opening a cycle
    for 50,000 cadres) insert these without building ORM objects. Pass `key` (the
    audit key) to skip looking it up per entry."""
    values = {"subject_type": subject_type, "subject_id": subject_id, "seq": seq,
              "actor_id": actor.id if actor is not None else None,
              "actor_role": "", "on_behalf_of_id": None, "from_state": "", "to_state": "",
              "comment": "", "data": {}, "client_addr": "",
              "request_id": current_request_id()}  # not in HASHED: see the module doc
    values.update(fields)
    values["data"] = _plain(values["data"])
    at = as_utc(at) if at else utcnow()  # hashed as UTC text: normalise before hashing
    values.update(at=at, prev_hash=prev_hash, hash=entry_hash(values, at, prev_hash, key))
    return values


def record(subject_type, subject_id, action, *, actor=None, **fields):
    """Append an entry to a chain, holding its head row locked until the commit."""
    count, prev = _lock_head(subject_type, subject_id)
    entry = make_entry(subject_type, subject_id, count + 1, prev, actor=actor, action=action,
                       **fields)
    db.session.add(entry)
    set_heads([entry])
    return entry


def _upsert(table):
    dialect = db.session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(table)


def _lock_head(subject_type, subject_id):
    """Create the head if new, then lock it: of two transactions appending to one chain
    the second waits here (row lock on PostgreSQL, the write lock on SQLite)."""
    table = AuditChainHead.__table__
    db.session.execute(_upsert(table).values(
        subject_type=subject_type, subject_id=subject_id, count=0, last_mac=GENESIS,
        head_mac="").on_conflict_do_nothing())
    row = db.session.execute(
        select(table.c.count, table.c.last_mac)
        .where(table.c.subject_type == subject_type, table.c.subject_id == subject_id)
        .with_for_update()).one()
    return row.count, row.last_mac


def head_row(entry, key=None):
    return head_values(entry.subject_type, entry.subject_id, entry.seq, entry.hash, key)


def first_heads(entries, key=None):
    """head_values of the new chains whose first entries are `entries` (entry_values of
    one subject type): the MAC'd text formatted directly, checked against head_mac."""
    if not entries:
        return []
    key = key or audit_key()
    kind = entries[0]["subject_type"]
    form = _text(["head", kind, 0, 1, "%s"]).replace(",0,", ",%d,").encode()
    rows = [{"subject_type": kind, "subject_id": e["subject_id"], "count": 1,
             "last_mac": e["hash"], "head_mac": hmac.new(
                 key, form % (e["subject_id"], e["hash"].encode()), hashlib.sha256).hexdigest()}
            for e in entries]
    if rows[0]["head_mac"] != head_mac(kind, rows[0]["subject_id"], 1, rows[0]["last_mac"], key):
        raise AssertionError("first_heads differs from head_mac")
    return rows


def head_values(subject_type, subject_id, count, last_mac, key=None):
    """A chain head's column values (MAC'd), for an entry given by its fields."""
    return {"subject_type": subject_type, "subject_id": subject_id, "count": count,
            "last_mac": last_mac,
            "head_mac": head_mac(subject_type, subject_id, count, last_mac, key)}


def set_heads(entries):
    write_head_rows([head_row(e) for e in entries])


def write_head_rows(rows):
    """Insert or move heads (one executemany); the caller holds the chains' locks."""
    if not rows:
        return
    table = AuditChainHead.__table__
    stmt = _upsert(table)
    stmt = stmt.on_conflict_do_update(
        index_elements=["subject_type", "subject_id"],
        set_={c: stmt.excluded[c] for c in ("count", "last_mac", "head_mac")})
    db.session.execute(stmt, rows)


def history(subject_type, subject_id):
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject_type == subject_type, AuditEntry.subject_id == subject_id)
        .order_by(AuditEntry.seq)
    ).all()

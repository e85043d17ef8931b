"""audit log keyed: HMAC-SHA256 chains and a head row for every chain; attachment.purged_at

Entries written before this revision carry a plain SHA-256 chain, which anyone who
can write to the database could recompute. This revision checks each old chain with
the old hash first and refuses to go on if one is broken (re-keying it would launder
the tampering); then it re-MACs every entry with AUDIT_KEY (the append-only triggers
are lifted for that one UPDATE), moves each assessment's `audit_head` to the new MAC
and writes the heads. On an empty log (a new installation) nothing but the table is
needed. Downgrade drops the heads only: the MACs stay, and the old verifier would
report every chain as broken.

Also `attachment.purged_at`: when a withdrawn evidence file's bytes were deleted from
disk (after the result was filed).

Revision ID: g9hardening0001
Revises: f5c0ffee0506
"""

import hashlib
import hmac
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op
from flask import current_app

revision = "g9hardening0001"
down_revision = "f5c0ffee0506"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
HASHED = ("subject_type", "subject_id", "seq", "actor_id", "actor_role", "on_behalf_of_id",
          "action", "from_state", "to_state", "comment", "data", "client_addr")
ENTRY = sa.table("audit_entry", *(sa.column(c) for c in HASHED if c != "data"),
                 sa.column("id"), sa.column("data", sa.JSON),
                 sa.column("at", sa.DateTime(timezone=True)),
                 sa.column("prev_hash"), sa.column("hash"))
HEAD = sa.table("audit_chain_head", sa.column("subject_type"), sa.column("subject_id"),
                sa.column("count"), sa.column("last_mac"), sa.column("head_mac"))
TRIGGERS_OFF = {"postgresql": ["ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update"],
                "sqlite": ["DROP TRIGGER IF EXISTS audit_entry_no_update"]}
TRIGGERS_ON = {
    "postgresql": ["ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update"],
    "sqlite": ["CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
               "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END"]}


def upgrade():
    op.create_table(
        "audit_chain_head",
        sa.Column("subject_type", sa.String(30), nullable=False),
        sa.Column("subject_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_mac", sa.String(64), nullable=False),
        sa.Column("head_mac", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("subject_type", "subject_id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("attachment") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    bind = op.get_bind()
    if bind.execute(sa.text("SELECT count(*) FROM audit_entry")).scalar():
        _rekey(bind, _key())


def downgrade():
    with op.batch_alter_table("attachment") as batch:
        batch.drop_column("purged_at")
    op.drop_table("audit_chain_head")


def _key():
    key = current_app.config.get("AUDIT_KEY")
    if not key:
        raise RuntimeError("AUDIT_KEY must be set to key the existing audit log "
                           "(see README: the audit log)")
    return key.encode()


def _body(row, prev):
    body = {k: getattr(row, k) for k in HASHED}
    at = row.at if row.at.tzinfo else row.at.replace(tzinfo=UTC)
    body["at"] = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
    body["prev_hash"] = prev
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _new_macs(bind, key):
    """[(id, prev_mac, mac)] for every entry, and the heads; refuses a broken old chain."""
    rows = bind.execute(sa.select(ENTRY).order_by(ENTRY.c.subject_type, ENTRY.c.subject_id,
                                                  ENTRY.c.seq))
    updates, heads, chain = [], {}, None
    for row in rows:
        if (row.subject_type, row.subject_id) != chain:
            chain, seq, old_prev, new_prev = (row.subject_type, row.subject_id), 1, GENESIS, \
                GENESIS
        if (row.seq != seq or row.prev_hash != old_prev
                or hashlib.sha256(_body(row, old_prev)).hexdigest() != row.hash):
            raise RuntimeError(f"audit chain {chain[0]} {chain[1]} is broken at seq {row.seq} "
                               f"(entry {row.id}): investigate before keying the log")
        mac = hmac.new(key, _body(row, new_prev), hashlib.sha256).hexdigest()
        updates.append({"e_id": row.id, "e_prev": new_prev, "e_mac": mac})
        heads[chain] = (row.seq, mac)
        seq, old_prev, new_prev = seq + 1, row.hash, mac
    return updates, heads


def _rekey(bind, key):
    updates, heads = _new_macs(bind, key)
    dialect = bind.dialect.name
    for statement in TRIGGERS_OFF[dialect]:
        op.execute(statement)
    bind.execute(ENTRY.update().where(ENTRY.c.id == sa.bindparam("e_id")).values(
        prev_hash=sa.bindparam("e_prev"), hash=sa.bindparam("e_mac")), updates)
    for statement in TRIGGERS_ON[dialect]:
        op.execute(statement)
    assessments = [{"id": sid, "mac": mac} for (stype, sid), (_n, mac) in heads.items()
                   if stype == "assessment"]
    if assessments:
        bind.execute(sa.text("UPDATE assessment SET audit_head = :mac WHERE id = :id"),
                     assessments)
    bind.execute(HEAD.insert(), [_head(key, chain, count, mac)
                                 for chain, (count, mac) in heads.items()])


def _head(key, chain, count, mac):
    body = json.dumps(["head", chain[0], chain[1], count, mac], sort_keys=True,
                      ensure_ascii=False, separators=(",", ":")).encode()
    return {"subject_type": chain[0], "subject_id": chain[1], "count": count,
            "last_mac": mac, "head_mac": hmac.new(key, body, hashlib.sha256).hexdigest()}

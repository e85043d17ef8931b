"""The keyed audit chain (issue 9, item 10): what a database writer without AUDIT_KEY
tries, and what `verify-audit` says about it."""

import hashlib
import importlib
import json
import secrets
import threading

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, text

from config import DevelopmentConfig, ProductionConfig
from workflow_app import create_app
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.audit.services import GENESIS, HASHED, record
from workflow_app.audit.verify import verify_chains
from workflow_app.clock import as_utc
from workflow_app.extensions import db

MIGRATION = importlib.import_module("migrations.versions.g9hardening0001_audit_mac_heads")


@pytest.fixture
def unguarded(app, is_postgres):
    """The append-only triggers lifted, as a database writer would; restored after."""
    if is_postgres:
        db.session.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_no_update"))
    else:
        db.session.execute(text("DROP TRIGGER audit_entry_no_update"))
        db.session.execute(text("DROP TRIGGER audit_entry_no_delete"))
    yield
    if is_postgres:
        db.session.rollback()
        db.session.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_no_update"))
        db.session.commit()


def _sha256(entry, prev):
    body = {k: getattr(entry, k) for k in HASHED}
    body["at"] = as_utc(entry.at).strftime("%Y-%m-%dT%H:%M:%S.%f")
    body["prev_hash"] = prev
    text_ = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text_.encode()).hexdigest()


def _chain(stype, sid):
    return db.session.scalars(select(AuditEntry).where(
        AuditEntry.subject_type == stype, AuditEntry.subject_id == sid)
        .order_by(AuditEntry.seq)).all()


def _rechain_plain(stype, sid):
    """Recompute the whole chain and its head the old, unkeyed way."""
    prev = GENESIS
    for entry in _chain(stype, sid):
        entry.prev_hash, entry.hash = prev, _sha256(entry, prev)
        prev = entry.hash
    head = db.session.get(AuditChainHead, (stype, sid))
    if head is not None:  # an assessment's head is on its own row (no head row since h12)
        head.last_mac = prev


def _cycle_chain(create_cycle, world):
    cycle = create_cycle()
    for n in range(3):
        record("cycle", cycle.id, "note", actor=world.admin, comment=f"第{n}条")
    db.session.commit()
    return cycle.id


def test_edited_and_rechained_entry_is_found(world, create_cycle, unguarded, runner):
    cid = _cycle_chain(create_cycle, world)
    assert verify_chains() == []
    _chain("cycle", cid)[1].comment = "改过的意见"
    _rechain_plain("cycle", cid)
    db.session.commit()
    problems = verify_chains()
    assert [(p.subject_type, p.subject_id, p.seq) for p in problems] == [("cycle", cid, 1)]
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1 and f"cycle {cid}, seq 1" in result.output


@pytest.mark.parametrize("move_head", [False, True], ids=["head-left", "head-moved-back"])
def test_deleted_tail_of_a_chain_is_found_through_its_head(world, create_cycle, unguarded,
                                                          runner, move_head):
    cid = _cycle_chain(create_cycle, world)
    entries = _chain("cycle", cid)
    for entry in entries[-2:]:
        db.session.delete(entry)
    if move_head:  # the head pointed at the new last entry, its old MAC kept
        head = db.session.get(AuditChainHead, ("cycle", cid))
        head.count, head.last_mac = entries[-3].seq, entries[-3].hash
    db.session.commit()
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 1
    assert f"BROKEN: cycle {cid}, seq {entries[-3].seq + 1} (chain end)" in result.output


def test_deleted_head_is_found(world, create_cycle):
    cid = _cycle_chain(create_cycle, world)
    db.session.delete(db.session.get(AuditChainHead, ("cycle", cid)))
    db.session.commit()
    assert [p.subject_id for p in verify_chains()] == [cid]


def test_wrong_key_breaks_every_chain(app, world, create_cycle):
    _cycle_chain(create_cycle, world)
    chains = db.session.execute(select(AuditEntry.subject_type, AuditEntry.subject_id)
                                .distinct()).all()
    app.config["AUDIT_KEY"] = "not-the-key"
    problems = verify_chains()
    assert len(chains) > 10
    assert sorted((p.subject_type, p.subject_id) for p in problems) == sorted(chains)
    assert all(p.seq == 1 for p in problems)


def _append_in_thread(app, cycle_id, barrier, errors):
    with app.app_context():
        try:
            barrier.wait(timeout=10)
            for n in range(5):
                record("cycle", cycle_id, "note", comment=str(n))
                db.session.commit()
        except Exception as exc:  # reported to the test thread
            errors.append(exc)
        finally:
            db.session.remove()


def test_concurrent_appends_keep_one_valid_chain(app, world, create_cycle):
    cid = create_cycle().id
    before = len(_chain("cycle", cid))
    db.session.remove()
    barrier, errors = threading.Barrier(3), []
    threads = [threading.Thread(target=_append_in_thread, args=(app, cid, barrier, errors))
               for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert [e.seq for e in _chain("cycle", cid)] == list(range(1, before + 16))
    assert verify_chains() == []


def _back_to_unkeyed():
    """The log as it was before the migration: plain SHA-256 chains, no heads."""
    chains = db.session.execute(select(AuditEntry.subject_type, AuditEntry.subject_id)
                                .distinct()).all()
    for chain in chains:
        _rechain_plain(*chain)
    db.session.execute(text("DELETE FROM audit_chain_head"))
    return chains


def test_old_unkeyed_log_is_rekeyed_by_the_migration(app, world, create_cycle, unguarded):
    _cycle_chain(create_cycle, world)
    chains = _back_to_unkeyed()
    db.session.commit()
    assert len(verify_chains()) >= len(chains)
    connection = db.session.connection()
    with Operations.context(MigrationContext.configure(connection)):
        MIGRATION._rekey(connection, app.config["AUDIT_KEY"].encode())
    db.session.commit()
    assert verify_chains() == []


def test_the_migration_refuses_to_rekey_a_broken_old_chain(app, world, create_cycle,
                                                          unguarded):
    cid = _cycle_chain(create_cycle, world)
    _back_to_unkeyed()
    _chain("cycle", cid)[1].comment = "改过的意见"  # edited after the old chain was made
    db.session.flush()
    connection = db.session.connection()
    with pytest.raises(RuntimeError, match=f"cycle {cid} is broken at seq 2"):
        MIGRATION._new_macs(connection, b"k")


def test_production_refuses_to_start_without_audit_key(monkeypatch):
    class Prod(ProductionConfig):
        SECRET_KEY = secrets.token_hex(32)
        AUDIT_KEY = ""
        SQLALCHEMY_DATABASE_URI = "sqlite://"
    with pytest.raises(RuntimeError, match="AUDIT_KEY"):
        create_app(Prod)


def test_demo_keeps_a_generated_key_in_instance(tmp_path, monkeypatch):
    class Dev(DevelopmentConfig):
        SECRET_KEY = secrets.token_hex(32)
        AUDIT_KEY = ""
        SQLALCHEMY_DATABASE_URI = "sqlite://"
    monkeypatch.setattr("workflow_app.factory.INSTANCE_DIR", tmp_path)
    first, second = create_app(Dev), create_app(Dev)
    assert len(first.config["AUDIT_KEY"]) == 64
    assert first.config["AUDIT_KEY"] == second.config["AUDIT_KEY"]
    assert (tmp_path / "audit.key").stat().st_mode & 0o077 == 0

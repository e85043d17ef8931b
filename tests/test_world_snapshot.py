"""The standard world copied from a snapshot is the world a build makes (tests/factories.py):
the same rows in every table, the same ids, and an audit chain that still verifies."""

import shutil
from pathlib import Path

from tests import factories
from tests.conftest import _empty_tables
from workflow_app.audit.verify import verify_chains
from workflow_app.extensions import db


def _contents():
    return {t.name: sorted((sorted(r._mapping.items()) for r in db.session.execute(t.select())),
                           key=repr)
            for t in db.metadata.sorted_tables}


def _start_empty(db_url, template):
    """Back to the freshly migrated database (the append-only audit log included)."""
    db.session.remove()
    db.engine.dispose()
    if db_url.startswith("sqlite"):
        path = Path(db_url.removeprefix("sqlite:///"))
        for suffix in ("-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
        shutil.copy(template, path)
    else:
        _empty_tables(db_url, [t.name for t in db.metadata.sorted_tables])


def test_a_copied_world_is_the_world_a_build_makes(app, db_url, sqlite_template, monkeypatch):
    monkeypatch.setattr(factories, "_SNAPSHOTS", {})
    built = factories.standard_world(app)  # the first one is built and captured …
    expected, ids = _contents(), {k: u.id for k, u in built.users.items()}
    assert len(factories._SNAPSHOTS) == 1 and expected["audit_entry"]
    _start_empty(db_url, sqlite_template)
    assert not _contents()["user_account"]
    copied = factories.standard_world(app)  # … the second one is copied
    assert _contents() == expected
    assert {k: u.id for k, u in copied.users.items()} == ids
    assert copied.sup_a.username == "sup_a" and copied.units["a"].name == "东街社区"
    assert verify_chains() == []
    assert factories.make_user("new_one", copied.units["a"], ["cadre"]).id == max(ids.values()) + 1

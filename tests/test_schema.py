"""The migrations build exactly the models' schema, on both databases, and the
database itself holds the invariants."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from workflow_app.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []


def test_init_db_is_idempotent(runner):
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0 and "up to date" in result.output


CONSTRAINT_BREAKERS = [
    "UPDATE assessment SET state = 'lost' WHERE id = :a",
    "UPDATE assessment SET version = 0 WHERE id = :a",
    "INSERT INTO assessment (cycle_id, cadre_id, org_unit_id, state, version, flags, "
    "audit_head, state_since, created_at) SELECT cycle_id, cadre_id, org_unit_id, state, "
    "version, flags, audit_head, state_since, created_at FROM assessment WHERE id = :a",
    "UPDATE role_grant SET role = 'emperor'",
    "UPDATE user_account SET supervisor_id = id",
]


@pytest.mark.parametrize("statement", CONSTRAINT_BREAKERS)
def test_database_constraints_hold(world, create_cycle, statement):
    create_cycle()
    aid = db.session.scalar(text("select min(id) from assessment"))
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement), {"a": aid})
        db.session.flush()
    db.session.rollback()

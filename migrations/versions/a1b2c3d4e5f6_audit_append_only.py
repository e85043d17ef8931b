"""audit log append-only: the database refuses UPDATE and DELETE on audit_entry

The hash chain detects tampering after the fact; these triggers stop the
application (or a careless script) from rewriting history in the first place.

Revision ID: a1b2c3d4e5f6
Revises: f7aa03208768
"""

from alembic import op

revision = "a1b2c3d4e5f6"
down_revision = "f7aa03208768"
branch_labels = None
depends_on = None

PG_UP = """
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'audit_entry is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE OR DELETE ON audit_entry
  FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS audit_entry_no_update ON audit_entry;
DROP FUNCTION IF EXISTS audit_entry_append_only();
"""
SQLITE_UP = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry "
    "BEGIN SELECT RAISE(ABORT, 'audit_entry is append-only'); END",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_entry_no_update",
               "DROP TRIGGER IF EXISTS audit_entry_no_delete"]


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_UP)
    else:
        for statement in SQLITE_UP:
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_DOWN)
    else:
        for statement in SQLITE_DOWN:
            op.execute(statement)

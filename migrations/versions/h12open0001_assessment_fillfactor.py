"""Assessment rows leave room on their page for later versions (fillfactor 50), so
that writing grading results (score, grade, rank, flags: in no index) is a HOT
update: no new entry in any of the table's indexes (issue 12). Half the page: the rows
of a page mostly belong to one cycle (opened together), and grading writes a new
version of each; the versions the stage moves left behind are pruned by then.

PostgreSQL only (SQLite has no fillfactor). New rows and rewritten pages follow the
setting; existing pages keep their layout until the table is rewritten
(`VACUUM FULL assessment`, or pg_repack without the exclusive lock).

Revision ID: h12open0001
Revises: h11raters0001
"""

from alembic import op

revision = "h12open0001"
down_revision = "h12fanout0001"
branch_labels = None
depends_on = None


def _postgres():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    if _postgres():
        op.execute("ALTER TABLE assessment SET (fillfactor = 50)")


def downgrade():
    if _postgres():
        op.execute("ALTER TABLE assessment RESET (fillfactor)")

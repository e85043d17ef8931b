"""issue 6, city scale: an index for role look-ups (holders_of, cadres_in_scope)

Revision ID: f6c0ffee0601
Revises: f7aa03208768 (a branch of its own: it only adds indexes)
"""

from alembic import op

revision = "f6c0ffee0601"
down_revision = "f7aa03208768"
branch_labels = None
depends_on = None


def upgrade():
    # "Who holds role R over unit U" reads the few grants of R (a few hundred secretaries
    # among 60,000 grants) instead of every grant, on every notification and task list.
    op.create_index("ix_role_grant_role_org_unit", "role_grant", ["role", "org_unit_id"])


def downgrade():
    op.drop_index("ix_role_grant_role_org_unit", table_name="role_grant")

"""cycle: committee rule (any / majority / all) and SLA days per review stage

Revision ID: c0ffee000003
Revises: a1b2c3d4e5f6
"""

import sqlalchemy as sa
from alembic import op

revision = "c0ffee000003"
down_revision = "a1b2c3d4e5f6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.add_column(sa.Column("committee_rule", sa.String(10), nullable=False,
                                   server_default="any"))
        batch.add_column(sa.Column("stage_sla_days", sa.JSON(), nullable=False,
                                   server_default="{}"))
        batch.create_check_constraint("known_committee_rule",
                                      "committee_rule IN ('any', 'majority', 'all')")


def downgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.drop_constraint("ck_cycle_known_committee_rule", type_="check")
        batch.drop_column("stage_sla_days")
        batch.drop_column("committee_rule")

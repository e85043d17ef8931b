"""负面清单 items marked 突出问题 (issue 15): a serious deduction on a member of a
leadership team brings joint liability like a veto. False for every existing item.

Revision ID: h15joint0001
Revises: h13sso0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h15joint0001"
down_revision = "h13sso0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("negative_item") as batch:
        batch.add_column(sa.Column("serious", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("negative_item") as batch:
        batch.drop_column("serious")

"""SMS rows keep the message's parameters (JSON): a cloud SMS provider sends an approved
template filled with them, not the message's text (issue 13).

Revision ID: h13sms0001
Revises: h12open0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h13sms0001"
down_revision = "h12open0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("params", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("params")

"""credentials (issue 9): per-user credential epoch, forced password change, token epoch

Revision ID: g9auth0001
Revises: f5c0ffee0506
"""

import sqlalchemy as sa
from alembic import op

revision = "g9auth0001"
down_revision = "f5c0ffee0506"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("credential_epoch", sa.Integer(), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("epoch")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("must_change_password")
        batch.drop_column("credential_epoch")

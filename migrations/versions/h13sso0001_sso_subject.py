"""Single sign-on: the identity an account is linked to at its first SSO login
(issue 13). NULL for every existing account: nobody is an SSO user before logging in
through SSO.

Revision ID: h13sso0001
Revises: h12open0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h13sso0001"
down_revision = "h13workapps0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("sso_subject", sa.String(length=255), nullable=True))
        batch.create_unique_constraint(op.f("uq_user_account_sso_subject"), ["sso_subject"])


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint(op.f("uq_user_account_sso_subject"), type_="unique")
        batch.drop_column("sso_subject")

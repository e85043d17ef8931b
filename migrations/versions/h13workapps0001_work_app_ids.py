"""DingTalk and WeCom work notices (issue 13): each person's user id in the two work
apps, and the two channels allowed in the outbox and in the preferences.

Revision ID: h13workapps0001
Revises: h12open0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h13workapps0001"
down_revision = "h13observe0001"
branch_labels = None
depends_on = ("e0c0ffee0401",)  # notification_preference and its channel CHECK

OLD = "channel IN ('in_app', 'email', 'sms')"
NEW = "channel IN ('in_app', 'email', 'sms', 'dingtalk', 'wecom')"
TABLES = ("notification", "notification_preference")


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        for column in ("dingtalk_user_id", "wecom_user_id"):
            batch_op.add_column(sa.Column(column, sa.String(length=64), nullable=False,
                                          server_default=""))
    for table in TABLES:
        _replace_check(table, NEW)


def downgrade():
    for table in TABLES:
        op.execute(sa.text(f"DELETE FROM {table} WHERE channel IN ('dingtalk', 'wecom')"))
        _replace_check(table, OLD)
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("wecom_user_id")
        batch_op.drop_column("dingtalk_user_id")


def _replace_check(table, condition):
    name = op.f(f"ck_{table}_known_channel")
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(name, type_="check")
        batch_op.create_check_constraint(name, condition)

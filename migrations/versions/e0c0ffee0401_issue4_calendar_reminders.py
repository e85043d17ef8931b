"""issue 4: cycle set-up, calendar adjustments, substitutes, notification preferences

Revision ID: e0c0ffee0401
Revises: c0ffee000003
"""

import sqlalchemy as sa
from alembic import op

revision = "e0c0ffee0401"
down_revision = "c0ffee000003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.add_column(sa.Column("committee_categories", sa.JSON(), nullable=False,
                                   server_default="[]"))
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))

    op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("is_workday", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(200), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_calendar_day_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )

    op.create_table(
        "substitution",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("absent_user_id", sa.Integer(), nullable=False),
        sa.Column("substitute_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_substitution_ends_after_start")),
        sa.CheckConstraint("substitute_id <> absent_user_id",
                           name=op.f("ck_substitution_not_self")),
        sa.ForeignKeyConstraint(["absent_user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_substitution_absent_user_id_user_account")),
        sa.ForeignKeyConstraint(["substitute_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_substitution_substitute_id_user_account")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_substitution_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_substitution")),
    )
    with op.batch_alter_table("substitution") as batch:
        batch.create_index(batch.f("ix_substitution_absent_user_id"), ["absent_user_id"])
        batch.create_index(batch.f("ix_substitution_substitute_id"), ["substitute_id"])

    op.create_table(
        "notification_preference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.CheckConstraint("channel IN ('in_app', 'email', 'sms')",
                           name=op.f("ck_notification_preference_known_channel")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], ondelete="CASCADE",
                                name=op.f("fk_notification_preference_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_preference")),
        sa.UniqueConstraint("user_id", "kind", "channel",
                            name=op.f("uq_notification_preference_user_id_kind_channel")),
    )


def downgrade():
    op.drop_table("notification_preference")
    with op.batch_alter_table("substitution") as batch:
        batch.drop_index(batch.f("ix_substitution_substitute_id"))
        batch.drop_index(batch.f("ix_substitution_absent_user_id"))
    op.drop_table("substitution")
    op.drop_table("calendar_day")
    with op.batch_alter_table("cycle") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("committee_categories")

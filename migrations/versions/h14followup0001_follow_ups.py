"""Follow-up of the last-ranked (秦皇岛: 末位 → 专题民主生活会 / 提醒谈话 / 约谈主要负责人)
and its rectification measures (整改措施), with what the reminder job has sent.

Revision ID: h14followup0001
Revises: h14actuals0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h14followup0001"
down_revision = "h14actuals0001"
branch_labels = None
depends_on = None

FOR_PERSON = sa.text("user_id IS NOT NULL")
FOR_UNIT = sa.text("org_unit_id IS NOT NULL")
OPEN = sa.text("status = 'open'")


def _fk(table, column, target, **kw):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"), **kw)


def _follow_up():
    t = "follow_up"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("reason_data", sa.JSON(), nullable=False),
        sa.Column("reason_note", sa.Text(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=True),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("opened_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("(user_id IS NULL) <> (org_unit_id IS NULL)",
                           name=op.f("ck_follow_up_one_subject")),
        sa.CheckConstraint("kind IN ('democratic_life_meeting', 'reminder_talk', "
                           "'principal_talk')", name=op.f("ck_follow_up_known_kind")),
        sa.CheckConstraint("reason IN ('bottom_ranked', 'joint_liability', 'other')",
                           name=op.f("ck_follow_up_known_reason")),
        sa.CheckConstraint("status IN ('open', 'closed')", name=op.f("ck_follow_up_known_status")),
        sa.CheckConstraint("status <> 'closed' OR (length(trim(outcome)) > 0 "
                           "AND closed_at IS NOT NULL)",
                           name=op.f("ck_follow_up_closed_with_outcome")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_follow_up_version_positive")),
        _fk(t, "cycle_id", "cycle", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_follow_up_user_id_user_account")),
        _fk(t, "org_unit_id", "org_unit"),
        sa.ForeignKeyConstraint(["opened_by_id"], ["user_account.id"],
                                name=op.f("fk_follow_up_opened_by_id_user_account")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"],
                                name=op.f("fk_follow_up_closed_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    with op.batch_alter_table(t) as batch:
        for column in ("cycle_id", "user_id", "org_unit_id"):
            batch.create_index(batch.f(f"ix_follow_up_{column}"), [column])
        batch.create_index("uq_follow_up_person", ["cycle_id", "user_id", "kind", "reason"],
                           unique=True, postgresql_where=FOR_PERSON, sqlite_where=FOR_PERSON)
        batch.create_index("uq_follow_up_unit", ["cycle_id", "org_unit_id", "kind", "reason"],
                           unique=True, postgresql_where=FOR_UNIT, sqlite_where=FOR_UNIT)


def _measure():
    t = "rectification_measure"
    op.create_table(
        t,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_told_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('open', 'done')",
                           name=op.f("ck_rectification_measure_known_status")),
        sa.CheckConstraint("length(trim(text)) > 0",
                           name=op.f("ck_rectification_measure_text_not_blank")),
        sa.CheckConstraint("(status = 'done') = (done_at IS NOT NULL)",
                           name=op.f("ck_rectification_measure_done_with_time")),
        _fk(t, "follow_up_id", "follow_up", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_id"], ["user_account.id"],
                                name=op.f("fk_rectification_measure_owner_id_user_account")),
        sa.ForeignKeyConstraint(["done_by_id"], ["user_account.id"],
                                name=op.f("fk_rectification_measure_done_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_measure")),
    )
    with op.batch_alter_table(t) as batch:
        batch.create_index(batch.f("ix_rectification_measure_follow_up_id"), ["follow_up_id"])
        batch.create_index(batch.f("ix_rectification_measure_owner_id"), ["owner_id"])
        batch.create_index("ix_rectification_measure_open_due", ["due_on"],
                           postgresql_where=OPEN, sqlite_where=OPEN)


def upgrade():
    _follow_up()
    _measure()


def downgrade():
    op.drop_table("rectification_measure")
    op.drop_table("follow_up")

"""业绩晾晒 (issue 14 point 2, seed 002 泗水): star boards per unit and period, their
entries per subject and dimension, the dated recordings of stars, and 减星.

Revision ID: h14showcase0001
Revises: h14linkage0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h14showcase0001"
down_revision = "h14linkage0001"
branch_labels = None
depends_on = None

PERSON = sa.text("subject_user_id IS NOT NULL")
DEPARTMENT = sa.text("subject_unit_id IS NOT NULL")
DIMENSIONS = "dimension IN ('tasks', 'publicity', 'ideas', 'activities', 'honours')"


def _board():
    op.create_table(
        "showcase_board",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(period) = 7", name=op.f("ck_showcase_board_period_code")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"],
                                name=op.f("fk_showcase_board_org_unit_id_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_board")),
        sa.UniqueConstraint("org_unit_id", "period",
                            name=op.f("uq_showcase_board_org_unit_id_period")),
    )


def _entry():
    op.create_table(
        "showcase_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("board_id", sa.Integer(), nullable=False),
        sa.Column("subject_user_id", sa.Integer(), nullable=True),
        sa.Column("subject_unit_id", sa.Integer(), nullable=True),
        sa.Column("dimension", sa.String(length=20), nullable=False),
        sa.Column("earned", sa.Integer(), nullable=False),
        sa.Column("deducted", sa.Integer(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("(subject_user_id IS NULL) <> (subject_unit_id IS NULL)",
                           name=op.f("ck_showcase_entry_one_subject")),
        sa.CheckConstraint(DIMENSIONS, name=op.f("ck_showcase_entry_known_dimension")),
        sa.CheckConstraint("earned >= 0 AND deducted >= 0",
                           name=op.f("ck_showcase_entry_stars_not_negative")),
        sa.CheckConstraint("shown = CASE WHEN earned > deducted THEN earned - deducted "
                           "ELSE 0 END",
                           name=op.f("ck_showcase_entry_shown_is_earned_less_deducted")),
        sa.ForeignKeyConstraint(["board_id"], ["showcase_board.id"], ondelete="CASCADE",
                                name=op.f("fk_showcase_entry_board_id_showcase_board")),
        sa.ForeignKeyConstraint(["subject_user_id"], ["user_account.id"],
                                name=op.f("fk_showcase_entry_subject_user_id_user_account")),
        sa.ForeignKeyConstraint(["subject_unit_id"], ["org_unit.id"],
                                name=op.f("fk_showcase_entry_subject_unit_id_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_entry")),
    )
    with op.batch_alter_table("showcase_entry") as batch:
        for column in ("board_id", "subject_user_id", "subject_unit_id"):
            batch.create_index(batch.f(f"ix_showcase_entry_{column}"), [column])
    op.create_index("uq_showcase_entry_person", "showcase_entry",
                    ["board_id", "subject_user_id", "dimension"], unique=True,
                    postgresql_where=PERSON, sqlite_where=PERSON)
    op.create_index("uq_showcase_entry_department", "showcase_entry",
                    ["board_id", "subject_unit_id", "dimension"], unique=True,
                    postgresql_where=DEPARTMENT, sqlite_where=DEPARTMENT)


def _change():
    op.create_table(
        "showcase_star_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stars_before", sa.Integer(), nullable=False),
        sa.Column("stars_after", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("stars_before >= 0 AND stars_after >= 0 "
                           "AND stars_before <> stars_after",
                           name=op.f("ck_showcase_star_change_a_change")),
        sa.ForeignKeyConstraint(["entry_id"], ["showcase_entry.id"], ondelete="CASCADE",
                                name=op.f("fk_showcase_star_change_entry_id_showcase_entry")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_showcase_star_change_recorded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_star_change")),
    )
    with op.batch_alter_table("showcase_star_change") as batch:
        batch.create_index(batch.f("ix_showcase_star_change_entry_id"), ["entry_id"])


def _deduction():
    op.create_table(
        "showcase_deduction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("stars", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("withdrawn_by_id", sa.Integer(), nullable=True),
        sa.Column("withdraw_reason", sa.String(length=300), nullable=False),
        sa.CheckConstraint("stars >= 1", name=op.f("ck_showcase_deduction_stars_positive")),
        sa.CheckConstraint("kind IN ('missed_target', 'criticism')",
                           name=op.f("ck_showcase_deduction_known_kind")),
        sa.CheckConstraint("length(trim(reason)) > 0",
                           name=op.f("ck_showcase_deduction_reason_given")),
        sa.CheckConstraint("(withdrawn_at IS NULL AND withdrawn_by_id IS NULL) OR "
                           "(withdrawn_at IS NOT NULL AND withdrawn_by_id IS NOT NULL AND "
                           "length(trim(withdraw_reason)) > 0)",
                           name=op.f("ck_showcase_deduction_withdrawn_with_reason")),
        sa.ForeignKeyConstraint(["entry_id"], ["showcase_entry.id"], ondelete="CASCADE",
                                name=op.f("fk_showcase_deduction_entry_id_showcase_entry")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_showcase_deduction_recorded_by_id_user_account")),
        sa.ForeignKeyConstraint(["withdrawn_by_id"], ["user_account.id"],
                                name=op.f("fk_showcase_deduction_withdrawn_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_showcase_deduction")),
    )
    with op.batch_alter_table("showcase_deduction") as batch:
        batch.create_index(batch.f("ix_showcase_deduction_entry_id"), ["entry_id"])


def upgrade():
    _board()
    _entry()
    _change()
    _deduction()


def downgrade():
    op.drop_table("showcase_deduction")
    op.drop_table("showcase_star_change")
    op.drop_table("showcase_entry")
    op.drop_table("showcase_board")

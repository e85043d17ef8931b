"""indicator sheets

Revision ID: b5d1ce0f0511
Revises: c0ffee000003
Create Date: 2026-11-21 16:00:32.042613

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b5d1ce0f0511"
down_revision = "c0ffee000003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "indicator_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bonus_cap", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("penalty_cap", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "bonus_cap >= 0 AND bonus_cap <= 100 AND penalty_cap >= 0 AND penalty_cap <= 100",
            name=op.f("ck_indicator_sheet_caps_range"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["user_account.id"],
            name=op.f("fk_indicator_sheet_updated_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_sheet")),
        sa.UniqueConstraint("category", name=op.f("uq_indicator_sheet_category")),
    )
    op.create_table(
        "cycle_indicator_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("standard", sa.Text(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("cap", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.CheckConstraint(
            "kind IN ('common', 'individual') OR (weight = 0 AND cap IS NOT NULL)",
            name=op.f("ck_cycle_indicator_item_capped_items_have_cap"),
        ),
        sa.CheckConstraint(
            "kind IN ('common', 'individual', 'bonus', 'penalty')",
            name=op.f("ck_cycle_indicator_item_known_kind"),
        ),
        sa.CheckConstraint(
            "cap IS NULL OR (cap >= 0 AND cap <= 100)",
            name=op.f("ck_cycle_indicator_item_cap_range"),
        ),
        sa.CheckConstraint(
            "weight >= 0 AND weight <= 100", name=op.f("ck_cycle_indicator_item_weight_range")
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycle.id"],
            name=op.f("fk_cycle_indicator_item_cycle_id_cycle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_indicator_item")),
    )
    with op.batch_alter_table("cycle_indicator_item", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_indicator_item_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "cycle_indicator_sheet",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("bonus_cap", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("penalty_cap", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("source_sheet_id", sa.Integer(), nullable=True),
        sa.Column("copied_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "bonus_cap >= 0 AND bonus_cap <= 100 AND penalty_cap >= 0 AND penalty_cap <= 100",
            name=op.f("ck_cycle_indicator_sheet_caps_range"),
        ),
        sa.ForeignKeyConstraint(
            ["cycle_id"],
            ["cycle.id"],
            name=op.f("fk_cycle_indicator_sheet_cycle_id_cycle"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cycle_indicator_sheet")),
        sa.UniqueConstraint(
            "cycle_id", "category", name=op.f("uq_cycle_indicator_sheet_cycle_id_category")
        ),
    )
    with op.batch_alter_table("cycle_indicator_sheet", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_cycle_indicator_sheet_cycle_id"), ["cycle_id"], unique=False
        )

    op.create_table(
        "indicator_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sheet_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("standard", sa.Text(), nullable=False),
        sa.Column("weight", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("cap", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.CheckConstraint(
            "kind IN ('common', 'individual') OR (weight = 0 AND cap IS NOT NULL)",
            name=op.f("ck_indicator_item_capped_items_have_cap"),
        ),
        sa.CheckConstraint(
            "kind IN ('common', 'individual', 'bonus', 'penalty')",
            name=op.f("ck_indicator_item_known_kind"),
        ),
        sa.CheckConstraint(
            "cap IS NULL OR (cap >= 0 AND cap <= 100)", name=op.f("ck_indicator_item_cap_range")
        ),
        sa.CheckConstraint(
            "weight >= 0 AND weight <= 100", name=op.f("ck_indicator_item_weight_range")
        ),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["indicator_sheet.id"],
            name=op.f("fk_indicator_item_sheet_id_indicator_sheet"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_item")),
    )
    with op.batch_alter_table("indicator_item", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_item_sheet_id"), ["sheet_id"], unique=False)

    op.create_table(
        "assessment_adjustment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "points > 0 AND points <= 100", name=op.f("ck_assessment_adjustment_points_range")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessment.id"],
            name=op.f("fk_assessment_adjustment_assessment_id_assessment"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["cycle_indicator_item.id"],
            name=op.f("fk_assessment_adjustment_item_id_cycle_indicator_item"),
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["user_account.id"],
            name=op.f("fk_assessment_adjustment_recorded_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_adjustment")),
    )
    with op.batch_alter_table("assessment_adjustment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_adjustment_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_assessment_adjustment_item_id"), ["item_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("assessment_adjustment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_adjustment_item_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_adjustment_assessment_id"))

    op.drop_table("assessment_adjustment")
    with op.batch_alter_table("indicator_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_item_sheet_id"))

    op.drop_table("indicator_item")
    with op.batch_alter_table("cycle_indicator_sheet", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_indicator_sheet_cycle_id"))

    op.drop_table("cycle_indicator_sheet")
    with op.batch_alter_table("cycle_indicator_item", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cycle_indicator_item_cycle_id"))

    op.drop_table("cycle_indicator_item")
    op.drop_table("indicator_sheet")

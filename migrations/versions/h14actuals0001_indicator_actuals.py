"""数据同源: indicator actuals imported from a source office (统计局, 督查室) per cycle, and
one row per import (issue 14).

Revision ID: h14actuals0001
Revises: h15joint0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h14actuals0001"
down_revision = "h15joint0001"
branch_labels = None
depends_on = ("b5d1ce0f0511",)  # cycle_indicator_item, the items the figures are for

FIGURE = sa.Numeric(precision=18, scale=4)


def upgrade():
    op.create_table(
        "indicator_actual_import",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("imported_by_id", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=10), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("replaced_count", sa.Integer(), nullable=False),
        sa.CheckConstraint("via IN ('xlsx', 'api')",
                           name=op.f("ck_indicator_actual_import_known_via")),
        sa.CheckConstraint("created_count >= 0 AND replaced_count >= 0 "
                           "AND created_count + replaced_count = row_count",
                           name=op.f("ck_indicator_actual_import_counts_add_up")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], ondelete="CASCADE",
                                name=op.f("fk_indicator_actual_import_cycle_id_cycle")),
        sa.ForeignKeyConstraint(["imported_by_id"], ["user_account.id"],
                                name=op.f("fk_indicator_actual_import_imported_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_actual_import")),
    )
    with op.batch_alter_table("indicator_actual_import") as batch:
        batch.create_index(batch.f("ix_indicator_actual_import_cycle_id"), ["cycle_id"])
    op.create_table(
        "indicator_actual",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("cycle_item_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("value", FIGURE, nullable=False),
        sa.Column("target", FIGURE, nullable=True),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("import_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("source <> ''", name=op.f("ck_indicator_actual_source_given")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], ondelete="CASCADE",
                                name=op.f("fk_indicator_actual_cycle_id_cycle")),
        sa.ForeignKeyConstraint(
            ["cycle_item_id"], ["cycle_indicator_item.id"], ondelete="CASCADE",
            name=op.f("fk_indicator_actual_cycle_item_id_cycle_indicator_item")),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE",
                                name=op.f("fk_indicator_actual_assessment_id_assessment")),
        sa.ForeignKeyConstraint(
            ["import_id"], ["indicator_actual_import.id"],
            name=op.f("fk_indicator_actual_import_id_indicator_actual_import")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_actual")),
        sa.UniqueConstraint("cycle_item_id", "assessment_id",
                            name=op.f("uq_indicator_actual_cycle_item_id_assessment_id")),
    )
    with op.batch_alter_table("indicator_actual") as batch:
        batch.create_index(batch.f("ix_indicator_actual_cycle_id"), ["cycle_id"])
        batch.create_index(batch.f("ix_indicator_actual_assessment_id"), ["assessment_id"])
        batch.create_index(batch.f("ix_indicator_actual_import_id"), ["import_id"])


def downgrade():
    op.drop_table("indicator_actual")
    op.drop_table("indicator_actual_import")

"""negative list (负面清单): deduct and veto items per assessment

Revision ID: f0c0ffee0501
Revises: c0ffee000003
"""

import sqlalchemy as sa
from alembic import op

revision = "f0c0ffee0501"
down_revision = "c0ffee000003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "negative_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('deduct', 'veto')", name=op.f("ck_negative_item_known_kind")),
        sa.CheckConstraint("points >= 0 AND points <= 100",
                           name=op.f("ck_negative_item_points_range")),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE",
                                name=op.f("fk_negative_item_assessment_id_assessment")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_negative_item_recorded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_negative_item")),
    )
    with op.batch_alter_table("negative_item") as batch:
        batch.create_index(batch.f("ix_negative_item_assessment_id"), ["assessment_id"])


def downgrade():
    op.drop_table("negative_item")

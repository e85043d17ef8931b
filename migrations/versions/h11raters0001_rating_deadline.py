"""Rating rounds get a closing date (issue 11, item 15).

Revision ID: h11raters0001
Revises: h11review0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h11raters0001"
down_revision = "h11review0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rating_deadline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("closes_at > set_at",
                           name=op.f("ck_rating_deadline_closes_after_set")),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE",
                                name=op.f("fk_rating_deadline_assessment_id_assessment")),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"],
                                name=op.f("fk_rating_deadline_set_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_deadline")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_rating_deadline_assessment_id")),
    )
    op.create_index(op.f("ix_rating_deadline_closes_at"), "rating_deadline", ["closes_at"])


def downgrade():
    op.drop_index(op.f("ix_rating_deadline_closes_at"), table_name="rating_deadline")
    op.drop_table("rating_deadline")

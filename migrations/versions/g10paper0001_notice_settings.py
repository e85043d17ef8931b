"""The department's 公示 notice settings: issuing body, 监督电话, where objections go.

Revision ID: g10paper0001
Revises: g10c0ffee1001
"""

import sqlalchemy as sa
from alembic import op

revision = "g10paper0001"
down_revision = "g10c0ffee1001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice_settings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("issuing_body", sa.String(length=120), nullable=False),
        sa.Column("supervision_phone", sa.String(length=40), nullable=False),
        sa.Column("objection_channel", sa.String(length=300), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"],
                                name=op.f("fk_notice_settings_org_unit_id_org_unit"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by_id"], ["user_account.id"],
                                name=op.f("fk_notice_settings_updated_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_settings")),
        sa.UniqueConstraint("org_unit_id", name=op.f("uq_notice_settings_org_unit_id")),
    )


def downgrade():
    op.drop_table("notice_settings")

"""objection evidence: files raised with a dispute or an appeal

Revision ID: f5c0ffee0506
Revises: d0c0ffee0301 (the attachment table)
"""

import sqlalchemy as sa
from alembic import op

revision = "f5c0ffee0506"
down_revision = "d0c0ffee0301"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "objection_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("objection_id", sa.Integer(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["objection_id"], ["objection.id"], ondelete="CASCADE",
                                name=op.f("fk_objection_evidence_objection_id_objection")),
        sa.ForeignKeyConstraint(["attachment_id"], ["attachment.id"], ondelete="CASCADE",
                                name=op.f("fk_objection_evidence_attachment_id_attachment")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objection_evidence")),
        sa.UniqueConstraint("attachment_id", name=op.f("uq_objection_evidence_attachment_id")),
    )
    with op.batch_alter_table("objection_evidence") as batch:
        batch.create_index(batch.f("ix_objection_evidence_objection_id"), ["objection_id"])


def downgrade():
    op.drop_table("objection_evidence")

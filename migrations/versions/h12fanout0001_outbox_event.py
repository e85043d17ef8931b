"""Transitions leave one outbox event; notices are fanned out after the commit (issue 12).
An assessment's audit chain head moves onto its own row (audit_head_mac).

Revision ID: h12fanout0001
Revises: h11raters0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h12fanout0001"
down_revision = "h11raters0001"
branch_labels = None
depends_on = ("g9hardening0001",)  # audit_chain_head, whose assessment rows move here


def upgrade():
    op.create_table(
        "outbox_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE",
                                name=op.f("fk_outbox_event_assessment_id_assessment")),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], ondelete="SET NULL",
                                name=op.f("fk_outbox_event_actor_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_event")),
        sa.UniqueConstraint("assessment_id", "version",
                            name=op.f("uq_outbox_event_assessment_id_version")),
    )


    _heads_onto_assessments()


def _heads_onto_assessments():
    """The head MAC covers ("head", "assessment", id, count, last MAC) either way: copy it
    from each assessment's head row where that row names the assessment's own version
    and last MAC, then drop those rows. A row that does not match stays, and
    verify-audit reports the chain as it did before."""
    op.add_column("assessment", sa.Column("audit_head_mac", sa.String(length=64),
                                          nullable=False, server_default=""))
    op.execute(
        "UPDATE assessment SET audit_head_mac = COALESCE((SELECT h.head_mac "
        "FROM audit_chain_head h WHERE h.subject_type = 'assessment' "
        "AND h.subject_id = assessment.id AND h.count = assessment.version "
        "AND h.last_mac = assessment.audit_head), '')")
    op.execute(
        "DELETE FROM audit_chain_head WHERE subject_type = 'assessment' AND subject_id IN "
        "(SELECT id FROM assessment WHERE audit_head_mac <> '')")


def downgrade():
    op.execute(
        "INSERT INTO audit_chain_head (subject_type, subject_id, count, last_mac, head_mac) "
        "SELECT 'assessment', id, version, audit_head, audit_head_mac FROM assessment "
        "WHERE audit_head_mac <> ''")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_column("audit_head_mac")
    op.drop_table("outbox_event")

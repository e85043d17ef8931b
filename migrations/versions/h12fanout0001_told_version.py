"""Notices are fanned out after the commit, from the audit entries (issue 12):
assessment.told_version says how far; an assessment's audit chain head moves onto its
own row (audit_head_mac).

Revision ID: h12fanout0001
Revises: h11raters0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h12fanout0001"
down_revision = "h11raters0001"
branch_labels = None
depends_on = ("g9hardening0001",)  # audit_chain_head, whose assessment rows move here

UNTOLD = sa.text("told_version < version")


def upgrade():
    with op.batch_alter_table("assessment") as batch:
        batch.add_column(sa.Column("told_version", sa.Integer(), nullable=False,
                                   server_default="1"))
        batch.add_column(sa.Column("audit_head_mac", sa.String(length=64), nullable=False,
                                   server_default=""))
    op.execute("UPDATE assessment SET told_version = version")  # told so far, as queued
    with op.batch_alter_table("assessment") as batch:
        batch.create_check_constraint(op.f("ck_assessment_told_not_ahead"), "told_version <= version")
    op.create_index("ix_assessment_untold", "assessment", ["id"],
                    postgresql_where=UNTOLD, sqlite_where=UNTOLD)
    _heads_onto_assessments()


def _heads_onto_assessments():
    """The head MAC covers ("head", "assessment", id, count, last MAC) either way: copy it
    from each assessment's head row where that row names the assessment's own version
    and last MAC, then drop those rows. A row that does not match stays, and
    verify-audit reports the chain as it did before."""
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
    op.drop_index("ix_assessment_untold", table_name="assessment")
    with op.batch_alter_table("assessment") as batch:
        batch.drop_constraint(op.f("ck_assessment_told_not_ahead"), type_="check")
        batch.drop_column("audit_head_mac")
        batch.drop_column("told_version")

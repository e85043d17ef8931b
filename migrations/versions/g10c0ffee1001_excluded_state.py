"""Assessments may end in `excluded` (不参加本次考核 / 不定等次): the state CHECK admits it.

Revision ID: g10c0ffee1001
Revises: f5c0ffee0506
"""

from alembic import op

revision = "g10c0ffee1001"
down_revision = "f5c0ffee0506"
branch_labels = None
depends_on = None

OLD = ("appealed", "approved", "committee_review", "disputed", "drafting", "final",
       "leader_review", "published", "secretary_approval", "supervisor_review")
NEW = tuple(sorted((*OLD, "excluded")))


def _check(states):
    return "state IN (" + ", ".join(f"'{s}'" for s in states) + ")"


def _replace(states):
    with op.batch_alter_table("assessment") as batch:
        batch.drop_constraint(op.f("ck_assessment_known_state"), type_="check")
        batch.create_check_constraint(op.f("ck_assessment_known_state"), _check(states))


def upgrade():
    _replace(NEW)


def downgrade():
    op.execute("UPDATE assessment SET state = 'drafting' WHERE state = 'excluded'")
    _replace(OLD)

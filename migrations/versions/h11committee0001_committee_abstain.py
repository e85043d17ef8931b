"""A committee member may abstain (弃权): the vote's decision CHECK admits it.

Revision ID: h11committee0001
Revises: g10paper0001
"""

from alembic import op

revision = "h11committee0001"
down_revision = "g10paper0001"
branch_labels = None
depends_on = None

OLD = ("approve", "send_back")
NEW = ("approve", "send_back", "abstain")


def _check(decisions):
    return "decision IN (" + ", ".join(f"'{d}'" for d in decisions) + ")"


def _replace(decisions):
    with op.batch_alter_table("committee_vote") as batch:
        batch.drop_constraint(op.f("ck_committee_vote_known_decision"), type_="check")
        batch.create_check_constraint(op.f("ck_committee_vote_known_decision"),
                                      _check(decisions))


def upgrade():
    _replace(NEW)


def downgrade():
    # An abstention is the nearest thing to a vote that decided nothing: dropped.
    op.execute("DELETE FROM committee_vote WHERE decision = 'abstain'")
    _replace(OLD)

"""Monthly (月度自评) and half-year (上半年 / 下半年) cycles beside quarterly and annual
ones (issue 14): the kind CHECK admits them, and each names its period in its own
column (`month` 1–12, `half` 1–2), required for its kind like `quarter`.

Revision ID: h14cadence0001
Revises: h14followup0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h14cadence0001"
down_revision = "h14followup0001"
branch_labels = None
depends_on = None

OLD = ("quarterly", "annual")
NEW = (*OLD, "monthly", "half_year")
CHECKS = {
    "month_range": "month IS NULL OR month BETWEEN 1 AND 12",
    "month_given": "kind <> 'monthly' OR month IS NOT NULL",
    "half_range": "half IS NULL OR half BETWEEN 1 AND 2",
    "half_given": "kind <> 'half_year' OR half IS NOT NULL",
}


def _kinds(kinds):
    return "kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def upgrade():
    with op.batch_alter_table("cycle") as batch:
        batch.add_column(sa.Column("month", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("half", sa.Integer(), nullable=True))
        batch.drop_constraint(op.f("ck_cycle_known_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_cycle_known_kind"), _kinds(NEW))
        for name, condition in CHECKS.items():
            batch.create_check_constraint(op.f(f"ck_cycle_{name}"), condition)


def downgrade():
    # Assessments of the new kinds' cycles go with them (their rows cascade or block):
    # a downgrade is for a database that never used them.
    with op.batch_alter_table("cycle") as batch:
        for name in CHECKS:
            batch.drop_constraint(op.f(f"ck_cycle_{name}"), type_="check")
        batch.drop_constraint(op.f("ck_cycle_known_kind"), type_="check")
        batch.create_check_constraint(op.f("ck_cycle_known_kind"), _kinds(OLD))
        batch.drop_column("half")
        batch.drop_column("month")

"""班子: teams of an org unit, their members, and each team's result per cycle

Revision ID: f2c0ffee0503
Revises: f1c0ffee0502
"""

import sqlalchemy as sa
from alembic import op

revision = "f2c0ffee0503"
down_revision = "f1c0ffee0502"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_team_name_not_blank")),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"],
                                name=op.f("fk_team_org_unit_id_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team")),
        sa.UniqueConstraint("org_unit_id", "name", name=op.f("uq_team_org_unit_id_name")),
    )
    with op.batch_alter_table("team") as batch:
        batch.create_index(batch.f("ix_team_org_unit_id"), ["org_unit_id"])
    op.create_table(
        "team_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(position)) > 0",
                           name=op.f("ck_team_member_position_not_blank")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE",
                                name=op.f("fk_team_member_team_id_team")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_team_member_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_member")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_team_member_team_id_user_id")),
    )
    with op.batch_alter_table("team_member") as batch:
        batch.create_index(batch.f("ix_team_member_team_id"), ["team_id"])
        batch.create_index(batch.f("ix_team_member_user_id"), ["user_id"])
    op.create_table(
        "team_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column("grade", sa.String(length=20), nullable=True),
        sa.Column("member_count", sa.Integer(), nullable=False),
        sa.Column("graded_count", sa.Integer(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("graded_count >= 0 AND graded_count <= member_count",
                           name=op.f("ck_team_result_graded_within_members")),
        sa.CheckConstraint("score IS NULL OR (score >= 0 AND score <= 200)",
                           name=op.f("ck_team_result_score_range")),
        sa.CheckConstraint("(score IS NULL AND grade IS NULL) OR "
                           "(score IS NOT NULL AND grade IS NOT NULL)",
                           name=op.f("ck_team_result_grade_with_score")),
        sa.ForeignKeyConstraint(["cycle_id"], ["cycle.id"], ondelete="CASCADE",
                                name=op.f("fk_team_result_cycle_id_cycle")),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"], ondelete="CASCADE",
                                name=op.f("fk_team_result_team_id_team")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_result")),
        sa.UniqueConstraint("cycle_id", "team_id", name=op.f("uq_team_result_cycle_id_team_id")),
    )
    with op.batch_alter_table("team_result") as batch:
        batch.create_index(batch.f("ix_team_result_cycle_id"), ["cycle_id"])
        batch.create_index(batch.f("ix_team_result_team_id"), ["team_id"])


def downgrade():
    op.drop_table("team_result")
    op.drop_table("team_member")
    op.drop_table("team")

"""anonymity: explicit close of rating rounds and surveys, undated token use, answer batches

Revision ID: g9anon0001
Revises: f5c0ffee0506 (depends on f1c0ffee0502, the survey tables)
"""

import sqlalchemy as sa
from alembic import op

revision = "g9anon0001"
down_revision = "f5c0ffee0506"
branch_labels = None
depends_on = "f1c0ffee0502"  # satisfaction_survey, survey_token, survey_response


def upgrade():
    op.create_table(
        "rating_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessment.id"], ondelete="CASCADE",
                                name=op.f("fk_rating_round_assessment_id_assessment")),
        sa.ForeignKeyConstraint(["closed_by_id"], ["user_account.id"],
                                name=op.f("fk_rating_round_closed_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating_round")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_rating_round_assessment_id")),
    )
    with op.batch_alter_table("satisfaction_survey") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("closed_by_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f("fk_satisfaction_survey_closed_by_id_user_account"),
                                 "user_account", ["closed_by_id"], ["id"])
    with op.batch_alter_table("survey_token") as batch:
        batch.add_column(sa.Column("used", sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
    # The day a link was used could be joined with the day of an answer: keep only "used".
    op.execute("UPDATE survey_token SET used = (used_on IS NOT NULL)")
    with op.batch_alter_table("survey_token") as batch:
        batch.drop_column("used_on")
    with op.batch_alter_table("survey_response") as batch:
        batch.add_column(sa.Column("batch", sa.Integer(), nullable=True))
    # Answers given before batches existed count as one released batch.
    op.execute("UPDATE survey_response SET batch = 0")


def downgrade():
    with op.batch_alter_table("survey_response") as batch:
        batch.drop_column("batch")
    with op.batch_alter_table("survey_token") as batch:
        batch.add_column(sa.Column("used_on", sa.Date(), nullable=True))
        batch.drop_column("used")
    with op.batch_alter_table("satisfaction_survey") as batch:
        batch.drop_constraint(batch.f("fk_satisfaction_survey_closed_by_id_user_account"),
                              type_="foreignkey")
        batch.drop_column("closed_by_id")
        batch.drop_column("closed_at")
    op.drop_table("rating_round")

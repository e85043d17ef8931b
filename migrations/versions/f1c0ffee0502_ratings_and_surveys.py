"""360-degree ratings (rater_assignment, rating) and satisfaction surveys (survey tables)

Revision ID: f1c0ffee0502
Revises: f0c0ffee0501
"""

import sqlalchemy as sa
from alembic import op

revision = "f1c0ffee0502"
down_revision = "f0c0ffee0501"
branch_labels = None
depends_on = None

DIMENSIONS = ("de", "neng", "qin", "ji", "lian")


def upgrade():
    _ratings()
    _surveys()


def _fk(table, column, target, ondelete=None):
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], ondelete=ondelete,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _ratings():
    op.create_table(
        "rater_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("cadre_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("rater_group", sa.String(length=20), nullable=False),
        sa.Column("assigned_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rater_id <> cadre_id", name=op.f("ck_rater_assignment_not_self")),
        sa.CheckConstraint("rater_group IN ('superior', 'peer', 'subordinate', 'public')",
                           name=op.f("ck_rater_assignment_known_group")),
        _fk("rater_assignment", "assessment_id", "assessment", "CASCADE"),
        _fk("rater_assignment", "cadre_id", "user_account"),
        _fk("rater_assignment", "rater_id", "user_account"),
        _fk("rater_assignment", "assigned_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rater_assignment")),
        sa.UniqueConstraint("assessment_id", "rater_id",
                            name=op.f("uq_rater_assignment_assessment_id_rater_id")),
    )
    with op.batch_alter_table("rater_assignment") as batch:
        batch.create_index(batch.f("ix_rater_assignment_rater_id"), ["rater_id"])
    op.create_table(
        "rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        *[sa.Column(d, sa.Numeric(precision=5, scale=2), nullable=False) for d in DIMENSIONS],
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        *[sa.CheckConstraint(f"{d} >= 0 AND {d} <= 100", name=op.f(f"ck_rating_{d}_range"))
          for d in DIMENSIONS],
        _fk("rating", "assignment_id", "rater_assignment", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rating")),
        sa.UniqueConstraint("assignment_id", name=op.f("uq_rating_assignment_id")),
    )


def _surveys():
    op.create_table(
        "satisfaction_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _fk("satisfaction_survey", "assessment_id", "assessment", "CASCADE"),
        _fk("satisfaction_survey", "created_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_survey")),
        sa.UniqueConstraint("assessment_id", name=op.f("uq_satisfaction_survey_assessment_id")),
    )
    op.create_table(
        "survey_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_on", sa.Date(), nullable=True),
        sa.CheckConstraint("channel IN ('qr', 'sms')", name=op.f("ck_survey_token_known_channel")),
        _fk("survey_token", "survey_id", "satisfaction_survey", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_token")),
        sa.UniqueConstraint("token", name=op.f("uq_survey_token_token")),
    )
    op.create_table(
        "survey_response",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.CheckConstraint("choice IN ('satisfied', 'basically_satisfied', 'dissatisfied')",
                           name=op.f("ck_survey_response_known_choice")),
        _fk("survey_response", "survey_id", "satisfaction_survey", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_response")),
    )
    op.create_table(
        "survey_spot_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("satisfied", sa.Integer(), nullable=False),
        sa.Column("basically_satisfied", sa.Integer(), nullable=False),
        sa.Column("dissatisfied", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("satisfied >= 0 AND basically_satisfied >= 0 AND dissatisfied >= 0",
                           name=op.f("ck_survey_spot_check_counts_not_negative")),
        sa.CheckConstraint("satisfied + basically_satisfied + dissatisfied > 0",
                           name=op.f("ck_survey_spot_check_counts_something")),
        _fk("survey_spot_check", "survey_id", "satisfaction_survey", "CASCADE"),
        _fk("survey_spot_check", "recorded_by_id", "user_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_spot_check")),
    )
    for table in ("survey_token", "survey_response", "survey_spot_check"):
        with op.batch_alter_table(table) as batch:
            batch.create_index(batch.f(f"ix_{table}_survey_id"), ["survey_id"])


def downgrade():
    for table in ("survey_spot_check", "survey_response", "survey_token", "satisfaction_survey",
                  "rating", "rater_assignment"):
        op.drop_table(table)

"""Operations (issue 13): the request id on audit entries and outbox rows, and the
scheduler's heartbeat (scheduler_job_run, one row per job).

Revision ID: h13observe0001
Revises: h12open0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h13observe0001"
down_revision = "h13sms0001"
branch_labels = None
depends_on = None


def upgrade():
    for table in ("audit_entry", "notification"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_table(
        "scheduler_job_run",
        sa.Column("job_id", sa.String(length=60), nullable=False),
        sa.Column("last_scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_lag_seconds", sa.Float(), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("last_run_id", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_scheduler_job_run")),
    )


def downgrade():
    op.drop_table("scheduler_job_run")
    for table in ("notification", "audit_entry"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("request_id")

"""Digest of waiting reports: a part merged into a digest points at it (issue 11).

Revision ID: h11review0001
Revises: h11committee0001
"""

import sqlalchemy as sa
from alembic import op

revision = "h11review0001"
down_revision = "h11committee0001"
branch_labels = None
depends_on = None

OLD_STATUSES = "status IN ('pending', 'sent', 'dead', 'skipped')"
NEW_STATUSES = "status IN ('pending', 'sent', 'dead', 'skipped', 'merged')"
MERGED_HAS_DIGEST = ("(status = 'merged' AND digest_id IS NOT NULL) OR "
                     "(status <> 'merged' AND digest_id IS NULL)")


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("digest_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_notification_digest_id_notification"),
                                    "notification", ["digest_id"], ["id"], ondelete="CASCADE")
        batch_op.create_index(op.f("ix_notification_digest_id"), ["digest_id"], unique=False)
        batch_op.create_index("ix_notification_kind_unread", ["kind", "read_at"], unique=False)
        batch_op.drop_constraint(op.f("ck_notification_known_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_known_status"), NEW_STATUSES)
        batch_op.create_check_constraint(op.f("ck_notification_merged_has_digest"),
                                         MERGED_HAS_DIGEST)


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_notification_merged_has_digest"), type_="check")
        batch_op.drop_constraint(op.f("ck_notification_known_status"), type_="check")
        batch_op.create_check_constraint(op.f("ck_notification_known_status"), OLD_STATUSES)
        batch_op.drop_index("ix_notification_kind_unread")
        batch_op.drop_index(op.f("ix_notification_digest_id"))
        batch_op.drop_constraint(op.f("fk_notification_digest_id_notification"),
                                 type_="foreignkey")
        batch_op.drop_column("digest_id")

"""Transactional outbox: notifications are rows written in the same transaction as
the change that caused them; the dispatcher delivers them after the commit."""

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

CHANNELS = ("in_app", "email", "sms", "dingtalk", "wecom")
# merged: a part gathered into a digest (notifications.digest), never delivered alone.
STATUSES = ("pending", "sent", "dead", "skipped", "merged")


MERGED_HAS_DIGEST = ("(status = 'merged' AND digest_id IS NOT NULL) OR "
                     "(status <> 'merged' AND digest_id IS NULL)")


class Notification(db.Model):
    __tablename__ = "notification"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(40))
    # The same reminder is never queued twice: (dedup_key) is unique.
    dedup_key: Mapped[str] = mapped_column(String(200), unique=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    # The message's parameters as JSON, kept on SMS rows only: a cloud provider sends an
    # approved template filled with them, not the body (notifications.sms_providers).
    params: Mapped[str] = mapped_column(Text, default="", server_default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    next_attempt_at = created_at()
    created_at = created_at()
    sent_at = timestamp()
    read_at = timestamp()
    # The digest a merged part went into (one message per reviewer per hour).
    digest_id: Mapped[int | None] = mapped_column(
        ForeignKey("notification.id", ondelete="CASCADE"), index=True)
    # The request (or job run) that queued it, to find its log lines.
    request_id: Mapped[str | None] = mapped_column(String(64))

    user = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint(in_check("channel", CHANNELS), name="known_channel"),
        CheckConstraint(in_check("status", STATUSES), name="known_status"),
        CheckConstraint(MERGED_HAS_DIGEST, name="merged_has_digest"),
        Index("ix_notification_due", "status", "next_attempt_at"),
        Index("ix_notification_kind_unread", "kind", "read_at"),
        Index("ix_notification_user_channel", "user_id", "channel"),
    )


class NotificationPreference(db.Model):
    """A user's choice for one kind on one channel (no row: the default applies)."""

    __tablename__ = "notification_preference"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        UniqueConstraint("user_id", "kind", "channel"),
        CheckConstraint(in_check("channel", CHANNELS), name="known_channel"),
    )

"""A follow-up (专题民主生活会, 提醒谈话, 约谈主要负责人) and its rectification measures (整改措施).

A follow-up is about one person or one unit in one cycle, never both (CHECK). It is
opened once per (cycle, subject, kind, reason): the two partial unique indexes below
make a second opening of the same thing impossible even from two processes at once
(grading's joint-liability rule opens 约谈 for the principal leader programmatically).
A closed follow-up has its outcome and who closed it (CHECK); a measure done has its
time (CHECK). `reminded_at` / `overdue_told_at` record the reminders sent, so the
scheduler's job tells each owner and admin once per measure and state.
"""

from datetime import date

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy import text as sql
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app import limits
from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

KINDS = ("democratic_life_meeting", "reminder_talk", "principal_talk")
REASONS = ("bottom_ranked", "joint_liability", "other")
STATUSES = ("open", "closed")
MEASURE_STATUSES = ("open", "done")
FOR_PERSON = sql("user_id IS NOT NULL")
FOR_UNIT = sql("org_unit_id IS NOT NULL")
OPEN = sql("status = 'open'")
# The flush guard's limits for the free-text columns (security/inputs.column_limit).
limits.TEXT_COLUMNS.update({
    ("follow_up", "reason_note"): limits.REASON, ("follow_up", "problems"): limits.REPORT_TEXT,
    ("follow_up", "outcome"): limits.REPORT_TEXT,
    ("rectification_measure", "text"): limits.NOTE,
    ("rectification_measure", "note"): limits.NOTE,
})


class FollowUp(db.Model):
    __tablename__ = "follow_up"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(20))
    # What the reason rests on: {"rank", "of", "category", "score"} for the bottom-ranked.
    reason_data: Mapped[dict] = mapped_column(JSON, default=dict)
    reason_note: Mapped[str] = mapped_column(Text, default="")
    held_on: Mapped[date | None] = mapped_column(Date)
    problems: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    version: Mapped[int] = mapped_column(Integer, default=1)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at = timestamp()
    created_at = created_at()

    cycle = relationship("Cycle", lazy="joined")
    person = relationship("User", foreign_keys=[user_id], lazy="joined")
    unit = relationship("OrgUnit", lazy="joined")
    measures = relationship("RectificationMeasure", back_populates="follow_up",
                            cascade="all, delete-orphan", lazy="selectin",
                            order_by="RectificationMeasure.id")

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (org_unit_id IS NULL)", name="one_subject"),
        CheckConstraint(in_check("kind", KINDS), name="known_kind"),
        CheckConstraint(in_check("reason", REASONS), name="known_reason"),
        CheckConstraint(in_check("status", STATUSES), name="known_status"),
        CheckConstraint("status <> 'closed' OR (length(trim(outcome)) > 0 "
                        "AND closed_at IS NOT NULL)", name="closed_with_outcome"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("uq_follow_up_person", "cycle_id", "user_id", "kind", "reason", unique=True,
              postgresql_where=FOR_PERSON, sqlite_where=FOR_PERSON),
        Index("uq_follow_up_unit", "cycle_id", "org_unit_id", "kind", "reason", unique=True,
              postgresql_where=FOR_UNIT, sqlite_where=FOR_UNIT),
    )

    @property
    def subject_unit(self):
        """The unit whose org_admins keep this follow-up: the person's, or the unit."""
        return self.person.org_unit if self.user_id else self.unit

    @property
    def subject_name(self):
        return self.person.display_name if self.user_id else self.unit.name


class RectificationMeasure(db.Model):
    __tablename__ = "rectification_measure"
    id: Mapped[int] = pk()
    follow_up_id: Mapped[int] = mapped_column(
        ForeignKey("follow_up.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")
    done_at = timestamp()
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    # When the owner was told the due date is near, and the admin that it has passed.
    reminded_at = timestamp()
    overdue_told_at = timestamp()
    created_at = created_at()

    follow_up = relationship("FollowUp", back_populates="measures")
    owner = relationship("User", foreign_keys=[owner_id], lazy="joined")

    __table_args__ = (
        CheckConstraint(in_check("status", MEASURE_STATUSES), name="known_status"),
        CheckConstraint("length(trim(text)) > 0", name="text_not_blank"),
        CheckConstraint("(status = 'done') = (done_at IS NOT NULL)", name="done_with_time"),
        # Open measures are what the reminder job scans each run.
        Index("ix_rectification_measure_open_due", "due_on",
              postgresql_where=OPEN, sqlite_where=OPEN),
    )

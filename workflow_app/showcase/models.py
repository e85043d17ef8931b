"""星级榜 tables: a board per (org unit, period); one entry per subject (a person of the
unit, or a department = a child unit) and dimension, holding the stars earned, the
stars taken away (减星) and the stars shown; every recording of stars and every 减星
kept as a row of its own (the 周通报 reads them by date).

The database holds the arithmetic: shown = earned − deducted, never below 0.
"""

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp
from workflow_app.showcase.rules import DEDUCTION_KINDS, DIMENSIONS

REASON_LIMIT = 300
NOTE_LIMIT = 200
PERSON = text("subject_user_id IS NOT NULL")
DEPARTMENT = text("subject_unit_id IS NOT NULL")


class ShowcaseBoard(db.Model):
    __tablename__ = "showcase_board"
    id: Mapped[int] = pk()
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    # "2026-04" (a month) or "2026-Q2" (a quarter): showcase/rules.py
    period: Mapped[str] = mapped_column(String(7))
    created_at = created_at()

    org_unit = relationship("OrgUnit", lazy="joined")

    __table_args__ = (
        db.UniqueConstraint("org_unit_id", "period"),
        CheckConstraint("length(period) = 7", name="period_code"),
    )


class ShowcaseEntry(db.Model):
    __tablename__ = "showcase_entry"
    id: Mapped[int] = pk()
    board_id: Mapped[int] = mapped_column(ForeignKey("showcase_board.id", ondelete="CASCADE"),
                                          index=True)
    subject_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                        index=True)
    subject_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(20))
    earned: Mapped[int] = mapped_column(Integer, default=0)
    deducted: Mapped[int] = mapped_column(Integer, default=0)
    shown: Mapped[int] = mapped_column(Integer, default=0)
    updated_at = timestamp()

    __table_args__ = (
        CheckConstraint("(subject_user_id IS NULL) <> (subject_unit_id IS NULL)",
                        name="one_subject"),
        CheckConstraint(in_check("dimension", DIMENSIONS), name="known_dimension"),
        CheckConstraint("earned >= 0 AND deducted >= 0", name="stars_not_negative"),
        CheckConstraint("shown = CASE WHEN earned > deducted THEN earned - deducted ELSE 0 END",
                        name="shown_is_earned_less_deducted"),
        # One entry per subject and dimension on a board, a person or a department.
        Index("uq_showcase_entry_person", "board_id", "subject_user_id", "dimension",
              unique=True, postgresql_where=PERSON, sqlite_where=PERSON),
        Index("uq_showcase_entry_department", "board_id", "subject_unit_id", "dimension",
              unique=True, postgresql_where=DEPARTMENT, sqlite_where=DEPARTMENT),
    )

    @property
    def subject(self):
        return ("person", self.subject_user_id) if self.subject_user_id \
            else ("department", self.subject_unit_id)

    @property
    def subject_key(self):
        """"person:12" or "department:5", as the board's rows are keyed."""
        return "{}:{}".format(*self.subject)


class StarChange(db.Model):
    """One recording of an entry's earned stars, from `stars_before` to `stars_after`."""

    __tablename__ = "showcase_star_change"
    id: Mapped[int] = pk()
    entry_id: Mapped[int] = mapped_column(ForeignKey("showcase_entry.id", ondelete="CASCADE"),
                                          index=True)
    stars_before: Mapped[int] = mapped_column(Integer)
    stars_after: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(NOTE_LIMIT), default="")
    on_date = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = created_at()

    entry = relationship(ShowcaseEntry, lazy="joined")
    recorded_by = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint("stars_before >= 0 AND stars_after >= 0 "
                        "AND stars_before <> stars_after", name="a_change"),
    )


class StarDeduction(db.Model):
    """减星: stars taken from an entry, with the kind and the reason; withdrawn (with a
    reason) when recorded by mistake, never deleted."""

    __tablename__ = "showcase_deduction"
    id: Mapped[int] = pk()
    entry_id: Mapped[int] = mapped_column(ForeignKey("showcase_entry.id", ondelete="CASCADE"),
                                          index=True)
    stars: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(REASON_LIMIT))
    on_date = mapped_column(Date, nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    recorded_at = created_at()
    withdrawn_at = timestamp()
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    withdraw_reason: Mapped[str] = mapped_column(String(REASON_LIMIT), default="")

    entry = relationship(ShowcaseEntry, lazy="joined")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("stars >= 1", name="stars_positive"),
        CheckConstraint(in_check("kind", DEDUCTION_KINDS), name="known_kind"),
        CheckConstraint("length(trim(reason)) > 0", name="reason_given"),
        CheckConstraint("(withdrawn_at IS NULL AND withdrawn_by_id IS NULL) OR "
                        "(withdrawn_at IS NOT NULL AND withdrawn_by_id IS NOT NULL AND "
                        "length(trim(withdraw_reason)) > 0)", name="withdrawn_with_reason"),
    )

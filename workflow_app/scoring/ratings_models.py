"""360-degree ratings (民主测评): who is asked to rate whom, and the one rating each gives.

The database holds the two rules that matter most: nobody rates themselves
(CHECK rater_id <> cadre_id) and nobody rates twice (UNIQUE assessment+rater on the
assignment, UNIQUE assignment on the rating).
"""

from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

RATER_GROUPS = ("superior", "peer", "subordinate", "public")
DIMENSIONS = ("de", "neng", "qin", "ji", "lian")
RATING_SCORE = Numeric(5, 2)


class RaterAssignment(db.Model):
    """One rater asked to rate one assessment, in one group (superior, peer …)."""

    __tablename__ = "rater_assignment"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    # The assessed cadre, copied from the assessment so the database can refuse self-rating.
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    rater_group: Mapped[str] = mapped_column(String(20))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    rater = relationship("User", foreign_keys=[rater_id], lazy="joined")
    assessment = relationship("Assessment", lazy="joined")
    rating = relationship("Rating", uselist=False, back_populates="assignment")

    __table_args__ = (
        UniqueConstraint("assessment_id", "rater_id"),
        CheckConstraint("rater_id <> cadre_id", name="not_self"),
        CheckConstraint(in_check("rater_group", RATER_GROUPS), name="known_group"),
    )


def _dimension_check(name):
    return CheckConstraint(f"{name} >= 0 AND {name} <= 100", name=f"{name}_range")


class Rating(db.Model):
    """The rating given on 德能勤绩廉, 0–100 each. Given once, never edited."""

    __tablename__ = "rating"
    id: Mapped[int] = pk()
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("rater_assignment.id", ondelete="CASCADE"), unique=True)
    de: Mapped[Decimal] = mapped_column(RATING_SCORE)
    neng: Mapped[Decimal] = mapped_column(RATING_SCORE)
    qin: Mapped[Decimal] = mapped_column(RATING_SCORE)
    ji: Mapped[Decimal] = mapped_column(RATING_SCORE)
    lian: Mapped[Decimal] = mapped_column(RATING_SCORE)
    created_at = created_at()

    assignment = relationship("RaterAssignment", back_populates="rating")

    __table_args__ = tuple(_dimension_check(d) for d in DIMENSIONS)


class RatingRound(db.Model):
    """The explicit close of an assessment's rating round (one row = closed, never reopened).

    Until this row exists no aggregate of the ratings is shown or used anywhere: a mean
    that moves one rating at a time tells whoever watches it each rater's score.
    """

    __tablename__ = "rating_round"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    closed_at = timestamp(nullable=False)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class RatingDeadline(db.Model):
    """The day a rating round closes (issue 11, item 15), set by the org_admin.

    From `closes_at` on the round counts as closed, exactly as if closed by hand: no
    rating is accepted and the summary may be released. It is set for the future only,
    and only while the round is open — a closed round never reopens (ratings_rounds).
    """

    __tablename__ = "rating_deadline"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    # Local midnight after the last day of rating, stored in UTC; indexed for the
    # reminder job's range scan.
    closes_at = mapped_column(DateTime(timezone=True), nullable=False, index=True)
    set_at = timestamp(nullable=False)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    __table_args__ = (CheckConstraint("closes_at > set_at", name="closes_after_set"),)

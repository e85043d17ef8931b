"""Satisfaction surveys, their one-time tokens, the anonymous answers and spot checks.

Anonymity is a property of the schema: `survey_response` has no token, no user and
no time finer than the week (the Monday it fell in), and its key is random, so
neither a column nor the key order ties an answer to the link it came through. A
token records only *that* it was used, never when. An answer's `batch` is empty
until at least 5 answers wait together: staff see comments and the answered total
only batch by batch (see services), never one answer at a time.
"""

from datetime import date

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

CHOICES = ("satisfied", "basically_satisfied", "dissatisfied")
# 满意率 counts 满意 and 基本满意 as satisfied (the usual 满意+基本满意 / 有效样本).
SATISFIED = ("satisfied", "basically_satisfied")
CHANNELS = ("qr", "sms")


class SatisfactionSurvey(db.Model):
    """One survey per assessment: the cadre's residents / service users rate that cadre."""

    __tablename__ = "satisfaction_survey"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()
    # Closed by the org_admin (or implicitly by publication): only then are the counts,
    # the rate and every comment shown, and the rate used in grading.
    closed_at = timestamp()
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    assessment = relationship("Assessment", lazy="joined")


class SurveyToken(db.Model):
    """A one-time link. Used once: `UPDATE … SET used WHERE NOT used`; no time is kept."""

    __tablename__ = "survey_token"
    id: Mapped[int] = pk()
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("satisfaction_survey.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    created_at = created_at()
    used: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                       nullable=False)

    __table_args__ = (CheckConstraint(in_check("channel", CHANNELS), name="known_channel"),)


class SurveyResponse(db.Model):
    """An anonymous answer: the survey, the answer and the week. Nothing else, by design."""

    __tablename__ = "survey_response"
    # Random (uuid4 hex), so the key order says nothing about the order of answers.
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("satisfaction_survey.id", ondelete="CASCADE"), index=True)
    choice: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    day: Mapped[date] = mapped_column(Date)  # the Monday of the week answered
    # Which release batch of >= 5 answers it belongs to; None while it waits for others.
    batch: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (CheckConstraint(in_check("choice", CHOICES), name="known_choice"),)


class SpotCheck(db.Model):
    """电话抽查: outcomes of a round of phone calls, counted and entered by staff."""

    __tablename__ = "survey_spot_check"
    id: Mapped[int] = pk()
    survey_id: Mapped[int] = mapped_column(
        ForeignKey("satisfaction_survey.id", ondelete="CASCADE"), index=True)
    satisfied: Mapped[int] = mapped_column(Integer, default=0)
    basically_satisfied: Mapped[int] = mapped_column(Integer, default=0)
    dissatisfied: Mapped[int] = mapped_column(Integer, default=0)
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    recorded_by = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint("satisfied >= 0 AND basically_satisfied >= 0 AND dissatisfied >= 0",
                        name="counts_not_negative"),
        CheckConstraint("satisfied + basically_satisfied + dissatisfied > 0",
                        name="counts_something"),
    )

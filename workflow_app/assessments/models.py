"""Assessments (one cadre in one cycle: the workflow instance) and what hangs off them."""

from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    and_,
    exists,
    text,
)
from sqlalchemy.orm import Mapped, aliased, foreign, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp
from workflows.registry import all_states

SCORE = Numeric(6, 2)


class Assessment(db.Model):
    __tablename__ = "assessment"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"))
    cadre_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The cadre's unit when the cycle opened: a later transfer does not move the record.
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)
    state: Mapped[str] = mapped_column(String(30))
    version: Mapped[int] = mapped_column(Integer, default=1)
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    grade: Mapped[str | None] = mapped_column(String(20))
    rank: Mapped[int | None] = mapped_column(Integer)
    flags: Mapped[list] = mapped_column(JSON, default=list)
    # Hash of the newest audit entry: written in the same version-checked UPDATE,
    # so the chain head cannot drift and a deleted last entry is detectable.
    audit_head: Mapped[str] = mapped_column(String(64), default="")
    # The chain's head MAC (audit.services.head_mac over version and audit_head): an
    # assessment's chain head lives on its own row, moved by the same UPDATE, instead of
    # a row of audit_chain_head (one statement fewer per transition).
    audit_head_mac: Mapped[str] = mapped_column(String(64), default="", server_default="")
    # How far the people concerned have been told: entries with a higher seq are the
    # outbox of the transitions not yet fanned out (assessments.fanout). A transition
    # writes nothing extra for it; the version it moves is the event.
    told_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    state_since = created_at()
    # The audit seq of the move into the current state: one committee round per stay.
    stage_seq: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    # When the current stage is due (SLA in working days); drafting uses the cycle deadline.
    due_at = timestamp()
    created_at = created_at()

    cycle = relationship("Cycle", lazy="joined")
    cadre = relationship("User", foreign_keys=[cadre_id], lazy="joined")
    org_unit = relationship("OrgUnit", lazy="joined")

    __table_args__ = (
        UniqueConstraint("cycle_id", "cadre_id"),
        CheckConstraint(in_check("state", all_states()), name="known_state"),
        CheckConstraint("version >= 1", name="version_positive"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 200)", name="score_range"),
        Index("ix_assessment_cycle_state", "cycle_id", "state"),
        Index("ix_assessment_state_due_at", "state", "due_at"),
        CheckConstraint("told_version <= version", name="told_not_ahead"),
        # Small by design: only items with transitions not yet fanned out are in it.
        Index("ix_assessment_untold", "id", postgresql_where=text("told_version < version"),
              sqlite_where=text("told_version < version")),
        # Room on each page for a later version of its rows (migration h12open0001):
        # grading rewrites score, grade, rank and flags of a whole cycle, columns in no
        # index, so the new versions stay on their page (HOT) and no index is touched.
        # A page's rows mostly belong to one cycle (opened together): half the page.
        {"postgresql_with": {"fillfactor": 50}},
    )


class SelfReport(db.Model):
    """实绩报告. A new revision starts after each send_back; earlier ones are kept."""

    __tablename__ = "self_report"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    submitted_at = timestamp()
    updated_at = created_at()
    # Bumped on every save: a save based on an older draft (another tab) is refused.
    draft_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    __table_args__ = (UniqueConstraint("assessment_id", "revision"),
                      CheckConstraint("revision >= 1", name="revision_positive"))


# The newest revision, joined into the assessment's own SELECT where a transition loads it
# (services.LEAN): one statement fewer per transition. Read only through
# services.current_report, which keeps it right when a send-back adds a revision.
def _newest_revision():
    newer = aliased(SelfReport)
    return and_(foreign(SelfReport.assessment_id) == Assessment.id,
                ~exists().where(newer.assessment_id == SelfReport.assessment_id,
                                newer.revision > SelfReport.revision))


Assessment.current_report = relationship(SelfReport, viewonly=True, uselist=False,
                                         lazy="raise", primaryjoin=_newest_revision)


class Review(db.Model):
    """One reviewer's decision at one stage: approve or send back, with score and comment."""

    __tablename__ = "review"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"),
                                               index=True)
    stage: Mapped[str] = mapped_column(String(30))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decision: Mapped[str] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    comment: Mapped[str] = mapped_column(Text, default="")
    report_revision: Mapped[int] = mapped_column(Integer)
    created_at = created_at()

    reviewer = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint(in_check("decision", ("approve", "send_back")), name="known_decision"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )


class Objection(db.Model):
    """异议 (kind=dispute, during 公示) or 申诉 (kind=appeal, after 备案)."""

    __tablename__ = "objection"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(String(10))
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="open")
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The published result at the time it was raised, kept whatever happens next.
    result_snapshot: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at = created_at()
    resolved_at = timestamp()

    raised_by = relationship("User", foreign_keys=[raised_by_id], lazy="joined")

    __table_args__ = (
        CheckConstraint(in_check("kind", ("dispute", "appeal")), name="known_kind"),
        CheckConstraint(in_check("status", ("open", "upheld", "dismissed", "granted", "denied")),
                        name="known_status"),
    )


class CommitteeVote(db.Model):
    """One two-committees member's decision in one committee round (a stay in the stage).

    The unique key is the database's guarantee that nobody votes twice in a round.
    """

    __tablename__ = "committee_vote"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)
    report_revision: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str] = mapped_column(String(20))
    score: Mapped[Decimal | None] = mapped_column(SCORE)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at = created_at()

    member = relationship("User", lazy="joined")

    __table_args__ = (
        UniqueConstraint("assessment_id", "member_id", "round"),
        # 同意 / 不同意 / 弃权
        CheckConstraint(in_check("decision", ("approve", "send_back", "abstain")),
                        name="known_decision"),
        CheckConstraint("score IS NULL OR (score >= 0 AND score <= 100)", name="score_range"),
    )


class Recusal(db.Model):
    """回避: a committee member declared a conflict of interest and steps out of the item."""

    __tablename__ = "committee_recusal"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    created_at = created_at()

    member = relationship("User", lazy="joined")

    __table_args__ = (UniqueConstraint("assessment_id", "member_id"),)


class Attachment(db.Model):
    """Evidence file of a report, stored outside the web root under a random name."""

    __tablename__ = "attachment"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"),
                                               index=True)
    report_revision: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at = created_at()
    # Withdrawn evidence is hidden from the report; its bytes are deleted from disk once
    # the result is filed (attachments.purge_withdrawn), the row stays for the record.
    removed_at = timestamp()
    purged_at = timestamp()

    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)


# A committee item's recusals and this round's votes, joined into the assessment's own
# SELECT where a transition loads it (services.LEAN): a member's vote then reads nothing
# more about the committee than its members. Read only through committee.recused_ids
# and committee.round_votes, which keep them right when either changes.
Assessment.recusal_rows = relationship(Recusal, viewonly=True, lazy="raise",
                                       order_by=Recusal.id)
Assessment.round_vote_rows = relationship(
    CommitteeVote, viewonly=True, lazy="raise", order_by=CommitteeVote.id,
    primaryjoin=lambda: and_(foreign(CommitteeVote.assessment_id) == Assessment.id,
                             CommitteeVote.round == Assessment.stage_seq))

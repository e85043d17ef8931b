"""Assessment cycles (考核周期): one round for a set of org units, pinned to a workflow."""

from datetime import date

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

KINDS = ("quarterly", "annual")
STATUSES = ("draft", "scheduled", "open", "closed", "published", "archived")
COMMITTEE_RULES = ("any", "majority", "all")

cycle_unit = db.Table(
    "cycle_unit",
    db.Column("cycle_id", ForeignKey("cycle.id", ondelete="CASCADE"), primary_key=True),
    db.Column("org_unit_id", ForeignKey("org_unit.id"), primary_key=True),
)


class Cycle(db.Model):
    __tablename__ = "cycle"
    id: Mapped[int] = pk()
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    quarter: Mapped[int | None] = mapped_column(Integer)
    workflow_key: Mapped[str] = mapped_column(String(40))
    workflow_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    opens_at = timestamp(nullable=False)
    submit_deadline = timestamp(nullable=False)
    committee_stage: Mapped[bool] = mapped_column(Boolean, default=True)
    committee_scores: Mapped[bool] = mapped_column(Boolean, default=True)
    # Unit categories the committee stage applies to; empty: every unit of the cycle.
    committee_categories: Mapped[list] = mapped_column(JSON, default=list)
    # How many committee members must approve before the item moves on.
    committee_rule: Mapped[str] = mapped_column(String(10), default="any")
    # Working days an item may wait in each review stage: {"supervisor_review": 3, …}.
    stage_sla_days: Mapped[dict] = mapped_column(JSON, default=dict)
    publicity_days: Mapped[int] = mapped_column(Integer, default=5)
    appeal_days: Mapped[int] = mapped_column(Integer, default=15)
    grading: Mapped[dict] = mapped_column(JSON, default=dict)
    graded_at = timestamp()
    published_at = timestamp()
    publication_ends_at = timestamp()
    closed_at = timestamp()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    org_units = relationship("OrgUnit", secondary=cycle_unit, lazy="selectin")

    __table_args__ = (
        CheckConstraint(in_check("kind", KINDS), name="known_kind"),
        CheckConstraint(in_check("status", STATUSES), name="known_status"),
        CheckConstraint("quarter IS NULL OR quarter BETWEEN 1 AND 4", name="quarter_range"),
        CheckConstraint("kind <> 'quarterly' OR quarter IS NOT NULL", name="quarter_given"),
        CheckConstraint("submit_deadline > opens_at", name="deadline_after_open"),
        CheckConstraint("publicity_days >= 0 AND appeal_days >= 0", name="days_not_negative"),
        CheckConstraint(in_check("committee_rule", COMMITTEE_RULES), name="known_committee_rule"),
    )

    def has_committee_stage(self, unit):
        """Whether assessments of `unit` go through the committee stage in this cycle."""
        if not self.committee_stage:
            return False
        return not self.committee_categories or unit.category in self.committee_categories


class CalendarDay(db.Model):
    """A local adjustment of the working calendar (本地调整), overriding chinesecalendar."""

    __tablename__ = "calendar_day"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    is_workday: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(200), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = created_at()

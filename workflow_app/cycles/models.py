"""Assessment cycles (考核周期): one round for a set of org units, pinned to a workflow."""

from datetime import date

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk, timestamp

# 月度 (汶上县 月度自评, 鱼台县 红黄蓝 月排名), 季度 (平时考核), 半年 (秦皇岛 上半年专项考核), 年度.
KINDS = ("quarterly", "annual", "monthly", "half_year")
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
    # The period of a monthly (1–12) or half-year (1: 上半年, 2: 下半年) cycle; each kind
    # names its period in its own column, the others stay NULL.
    month: Mapped[int | None] = mapped_column(Integer)
    half: Mapped[int | None] = mapped_column(Integer)
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
        CheckConstraint("month IS NULL OR month BETWEEN 1 AND 12", name="month_range"),
        CheckConstraint("kind <> 'monthly' OR month IS NOT NULL", name="month_given"),
        CheckConstraint("half IS NULL OR half BETWEEN 1 AND 2", name="half_range"),
        CheckConstraint("kind <> 'half_year' OR half IS NOT NULL", name="half_given"),
        CheckConstraint("submit_deadline > opens_at", name="deadline_after_open"),
        CheckConstraint("publicity_days >= 0 AND appeal_days >= 0", name="days_not_negative"),
        CheckConstraint(in_check("committee_rule", COMMITTEE_RULES), name="known_committee_rule"),
    )

    @property
    def months(self):
        """The calendar months the cycle's period covers (a quarter: its three)."""
        if self.kind == "monthly":
            return (self.month,)
        if self.kind == "quarterly" and self.quarter:
            return tuple(range(self.quarter * 3 - 2, self.quarter * 3 + 1))
        if self.kind == "half_year" and self.half:
            return tuple(range(self.half * 6 - 5, self.half * 6 + 1))
        return tuple(range(1, 13))

    @property
    def without_publicity(self):
        """A monthly cycle with no 公示 days: its results are filed as soon as published."""
        return self.kind == "monthly" and not self.publicity_days

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

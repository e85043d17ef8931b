"""负面清单: items recorded by auditors or org_admins that deduct points or veto a grade."""

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Numeric, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk

KINDS = ("deduct", "veto")


class NegativeItem(db.Model):
    __tablename__ = "negative_item"
    id: Mapped[int] = pk()
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[Decimal] = mapped_column(Numeric(6, 2), default=0)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text, default="")
    # 突出问题: a deduction serious enough to bring joint liability on the person's
    # leadership team (001 seed: 「对班子成员存在突出问题的…」); a veto always does.
    serious: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(),
                                          nullable=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at = created_at()

    recorded_by = relationship("User", lazy="joined")

    __table_args__ = (
        CheckConstraint(in_check("kind", KINDS), name="known_kind"),
        CheckConstraint("points >= 0 AND points <= 100", name="points_range"),
    )

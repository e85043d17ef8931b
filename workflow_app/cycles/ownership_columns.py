"""Task ownership (职责分工) and 市县同责连带考核 settings of an indicator item.

秦皇岛 (seed 003): every task has 1 牵头单位, 1 市管干部 总负责 and several 责任单位;
"县区指标完成情况直接与指标牵头市直单位考核评价挂钩". These columns sit on the sheet's
items and on the cycle's copy alike (copied at opening with the other item fields);
the rules that use them are in cycles/ownership.py and scoring/linkage.py.
"""

from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from workflow_app.models_base import in_check

AVERAGES = ("mean", "weighted")   # plain mean, or weighted by each county's item weight
MODES = ("replace", "add")        # the points replace that share of the score, or add to it
OWNERSHIP_FIELDS = ("lead_unit_id", "lead_cadre_id", "responsible_unit_ids", "linkage_weight",
                    "linkage_average", "linkage_mode")


class OwnershipColumns:
    lead_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), nullable=True)
    lead_cadre_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"),
                                                      nullable=True)
    responsible_unit_ids: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    # Points of the lead unit's score fed by the counties' completion; NULL: not linked.
    linkage_weight: Mapped[Decimal | None] = mapped_column(Numeric(6, 2), nullable=True)
    linkage_average: Mapped[str] = mapped_column(String(10), default="mean",
                                                 server_default="mean")
    linkage_mode: Mapped[str] = mapped_column(String(10), default="replace",
                                              server_default="replace")


def ownership_checks():
    """Fresh constraint objects for each item table."""
    return (
        CheckConstraint(in_check("linkage_average", AVERAGES), name="known_linkage_average"),
        CheckConstraint(in_check("linkage_mode", MODES), name="known_linkage_mode"),
        # A linkage needs a lead unit to feed, and at most the whole score.
        CheckConstraint("linkage_weight IS NULL OR (linkage_weight > 0 AND linkage_weight "
                        "<= 100 AND lead_unit_id IS NOT NULL)", name="linkage_needs_lead"),
    )


def ownership_of(item):
    """The ownership fields of an item, to copy them into the cycle's copy."""
    data = {name: getattr(item, name) for name in OWNERSHIP_FIELDS}
    data["responsible_unit_ids"] = list(data["responsible_unit_ids"] or [])
    return data

"""Indicator actuals from one source (数据同源, 双辽): figures a source office already holds.

双辽 keeps "考核数据同源": what the statistics bureau (统计局) or the supervision office
(督查室) already counts is imported once per period against the cycle's copy of the
indicator sheet, shown read-only in the cadre's report and never typed again by the
cadre. The report then asks only what nobody else has.

An import is all or nothing: every row is checked first (actuals_rows.py) and one bad
row refuses the whole file with a message per row; nothing is half-imported. Importing
a figure again for the same cadre and indicator replaces it (a corrected figure).
"""

from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.models_base import created_at, in_check, pk
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths

VIA = ("xlsx", "api")
SOURCE_MAX = 60
FIGURE = Numeric(18, 4)


class ActualImport(db.Model):
    """One import (a file or an API call): who, when, how many rows; the actuals point here."""

    __tablename__ = "indicator_actual_import"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          index=True)
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    imported_at = created_at()
    via: Mapped[str] = mapped_column(String(10))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    row_count: Mapped[int] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer)
    replaced_count: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        CheckConstraint(in_check("via", VIA), name="known_via"),
        CheckConstraint("created_count >= 0 AND replaced_count >= 0 "
                        "AND created_count + replaced_count = row_count", name="counts_add_up"),
    )


class IndicatorActual(db.Model):
    """A source office's figure for one cadre (assessment) on one item of the cycle's sheet."""

    __tablename__ = "indicator_actual"
    id: Mapped[int] = pk()
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycle.id", ondelete="CASCADE"),
                                          index=True)
    cycle_item_id: Mapped[int] = mapped_column(
        ForeignKey("cycle_indicator_item.id", ondelete="CASCADE"))
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    value: Mapped[Decimal] = mapped_column(FIGURE)
    target: Mapped[Decimal | None] = mapped_column(FIGURE, nullable=True)
    source: Mapped[str] = mapped_column(String(SOURCE_MAX))
    imported_at = created_at()
    import_id: Mapped[int] = mapped_column(ForeignKey("indicator_actual_import.id"),
                                           index=True)

    item = relationship("CycleIndicatorItem", lazy="joined")

    __table_args__ = (
        UniqueConstraint("cycle_item_id", "assessment_id"),
        CheckConstraint("source <> ''", name="source_given"),
    )


# --- who may import ----------------------------------------------------------------------

def can_import_actuals(user, cycle):
    """An org_admin whose units overlap the cycle's (above or below one of its units); each
    row must still be a cadre under the admin's own units (actuals_rows.check_rows)."""
    mine = [g.org_unit.path for g in user.grants if g.role == ORG_ADMIN]
    return any(p.startswith(u.path) or u.path.startswith(p)
               for p in mine for u in cycle.org_units)


def require_importer(user, cycle):
    if not can_import_actuals(user, cycle):
        raise NotAllowed()


# --- importing ---------------------------------------------------------------------------

def import_actuals(cycle, actor, rows, *, via="xlsx", file_name="", now=None):
    """Check every row (RowsRefused, 422, when any is bad), then write them all. Never
    commits. Returns the ActualImport."""
    from workflow_app.cycles.actuals_rows import check_rows

    require_importer(actor, cycle)
    checked = check_rows(cycle, actor, rows)
    now = as_utc(now) if now else utcnow()
    existing = _existing(cycle.id, {row.assessment.id for row in checked})
    replaced = sum((row.item.id, row.assessment.id) in existing for row in checked)
    batch = ActualImport(cycle_id=cycle.id, imported_by_id=actor.id, imported_at=now, via=via,
                         file_name=file_name[:255], row_count=len(checked),
                         created_count=len(checked) - replaced, replaced_count=replaced)
    db.session.add(batch)
    db.session.flush()  # the batch's id, for the figures
    for row in checked:
        _write(row, existing, batch, now)
    db.session.flush()
    record("cycle", cycle.id, "import_actuals", actor=actor, at=now, data={
        "import_id": batch.id, "via": via, "file_name": batch.file_name,
        "rows": batch.row_count, "created": batch.created_count,
        "replaced": batch.replaced_count})
    return batch


def _existing(cycle_id, assessment_ids):
    """The figures already there for the file's cadres (not the whole cycle's)."""
    rows = db.session.scalars(select(IndicatorActual).where(
        IndicatorActual.cycle_id == cycle_id,
        IndicatorActual.assessment_id.in_(sorted(assessment_ids)))).all()
    return {(a.cycle_item_id, a.assessment_id): a for a in rows}


def _write(row, existing, batch, now):
    actual = existing.get((row.item.id, row.assessment.id))
    if actual is None:
        actual = IndicatorActual(cycle_id=batch.cycle_id, cycle_item_id=row.item.id,
                                 assessment_id=row.assessment.id)
        db.session.add(actual)
    actual.value, actual.target, actual.source = row.value, row.target, row.source
    actual.imported_at, actual.import_id = now, batch.id


# --- reading: the report and the reviewers' pages ----------------------------------------

def actuals_of(assessment_id):
    """The imported figures of one assessment, in the sheet's order."""
    from workflow_app.cycles.indicators import CycleIndicatorItem

    return db.session.scalars(
        select(IndicatorActual).join(CycleIndicatorItem,
                                     CycleIndicatorItem.id == IndicatorActual.cycle_item_id)
        .where(IndicatorActual.assessment_id == assessment_id)
        .order_by(CycleIndicatorItem.position, IndicatorActual.id)).all()


def imported_names(assessment_id):
    """Names of the items whose figure was imported: the report does not ask for them."""
    from workflow_app.cycles.indicators import CycleIndicatorItem

    return set(db.session.scalars(
        select(CycleIndicatorItem.name).join(
            IndicatorActual, IndicatorActual.cycle_item_id == CycleIndicatorItem.id)
        .where(IndicatorActual.assessment_id == assessment_id)))


def without_imported(assessment_id, rows, names=None):
    """Report rows minus those about an imported item (by the item's name, as the report's
    rows are prefilled from the sheet): a figure posted anyway is never kept."""
    names = imported_names(assessment_id) if names is None else names
    if not names:
        return list(rows)
    return [r for r in rows if not (isinstance(r, dict)
                                    and str(r.get("name") or "").strip() in names)]


def strip_imported(assessment, content):
    """Hook for save_report: the content without rows about imported items."""
    rows = content.get("indicators") or []
    kept = without_imported(assessment.id, rows)
    return content if len(kept) == len(rows) else {**content, "indicators": kept}


def in_scope(cycle_id, user, limit):
    """(IndicatorActual, display name, username, unit name) of the cycle's figures for
    cadres under `user`'s org_admin units."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.people.models import OrgUnit, User

    within = [OrgUnit.path.startswith(p) for p in scope_paths(user, ORG_ADMIN)]
    if not within:
        return []
    return db.session.execute(
        select(IndicatorActual, User.display_name, User.username, OrgUnit.name)
        .join(Assessment, Assessment.id == IndicatorActual.assessment_id)
        .join(User, User.id == Assessment.cadre_id)
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(IndicatorActual.cycle_id == cycle_id, or_(*within))
        .order_by(OrgUnit.name, User.display_name, IndicatorActual.id).limit(limit)).all()


def plain(number):
    """12.5000 → "12.5", 1200.0000 → "1200" (a figure as the office wrote it)."""
    if number is None:
        return ""
    text = f"{Decimal(number):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

"""What a board shows: every subject of the unit (its people, then its departments) with
their stars per dimension, ranked by total stars shown; the period's 减星 with their
reasons. `standings(..., until=day)` gives the board as it stood at the end of `day`
(the 周通报 ranks as of its week's Sunday), from the dated recordings.
"""

from dataclasses import dataclass, field

from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.showcase.models import ShowcaseEntry, StarChange, StarDeduction
from workflow_app.showcase.rules import DIMENSIONS, max_stars
from workflow_app.showcase.services import find_board

MAX_SUBJECTS = 2000


@dataclass
class Cell:
    earned: int = 0
    deducted: int = 0

    @property
    def shown(self):
        return max(self.earned - self.deducted, 0)


@dataclass
class Row:
    kind: str
    id: int
    name: str
    cells: dict = field(default_factory=lambda: {d: Cell() for d in DIMENSIONS})
    rank: int = 0

    @property
    def total(self):
        return sum(c.shown for c in self.cells.values())

    @property
    def key(self):
        return f"{self.kind}:{self.id}"


@dataclass
class Standings:
    unit: OrgUnit
    period: object
    max_stars: int
    persons: list
    departments: list
    deductions: list      # StarDeduction of the period (withdrawn ones included), newest first
    changes: list         # StarChange of the period, newest first

    @property
    def names(self):
        return {r.key: r.name for r in self.persons + self.departments}


def _subjects(unit, entries):
    moved = {e.subject_user_id for e in entries if e.subject_user_id}
    people = db.session.scalars(select(User).where(
        (User.org_unit_id == unit.id) & User.active | User.id.in_(moved or {0}))
        .order_by(User.display_name, User.id).limit(MAX_SUBJECTS)).all()
    gone = {e.subject_unit_id for e in entries if e.subject_unit_id}
    departments = db.session.scalars(select(OrgUnit).where(
        (OrgUnit.parent_id == unit.id) | OrgUnit.id.in_(gone or {0}))
        .order_by(OrgUnit.name, OrgUnit.id).limit(MAX_SUBJECTS)).all()
    return ([Row("person", u.id, u.display_name) for u in people],
            [Row("department", d.id, d.name) for d in departments])


def rank(rows):
    """Most stars first; equal totals share a rank (1, 1, 3), then by name."""
    rows.sort(key=lambda r: (-r.total, r.name, r.id))
    for i, row in enumerate(rows):
        row.rank = rows[i - 1].rank if i and rows[i - 1].total == row.total else i + 1
    return rows


def _history(entry_ids):
    if not entry_ids:
        return [], []
    changes = db.session.scalars(select(StarChange).where(StarChange.entry_id.in_(entry_ids))
                                 .order_by(StarChange.on_date.desc(), StarChange.id.desc())).all()
    deductions = db.session.scalars(
        select(StarDeduction).where(StarDeduction.entry_id.in_(entry_ids))
        .order_by(StarDeduction.on_date.desc(), StarDeduction.id.desc())).all()
    return list(changes), list(deductions)


def _fill(rows, entries, changes, deductions, until, top):
    """Each entry's cell: now (the entry's columns) or at the end of `until`."""
    by_key = {r.key: r for r in rows}
    cells = {}
    for e in entries:
        row = by_key.get(e.subject_key)
        if row is not None:
            cells[e.id] = row.cells[e.dimension]
            if until is None:
                cells[e.id].earned, cells[e.id].deducted = e.earned, e.deducted
    if until is None:
        return
    for c in changes:
        if c.entry_id in cells and c.on_date <= until:
            cells[c.entry_id].earned += c.stars_after - c.stars_before
    for cell in cells.values():
        cell.earned = min(max(cell.earned, 0), top)
    for d in deductions:
        if d.entry_id in cells and d.on_date <= until and d.withdrawn_at is None:
            cells[d.entry_id].deducted += d.stars


def standings(unit, period, until=None):
    board = find_board(unit, period)
    entries = db.session.scalars(select(ShowcaseEntry).where(
        ShowcaseEntry.board_id == board.id)).all() if board else []
    persons, departments = _subjects(unit, entries)
    changes, deductions = _history([e.id for e in entries])
    _fill(persons + departments, entries, changes, deductions, until, max_stars())
    return Standings(unit, period, max_stars(), rank(persons), rank(departments), deductions,
                     changes)

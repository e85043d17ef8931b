"""The record as plain data: who the cadre is and each section's rows (records/sections.py),
built once for the page, the PDF and the API alike.

Statements are bounded whatever the number of years: the cadre's assessments with their
cycles in one SELECT, then a fixed number per section (no query per cycle).
"""

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import defaultload

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import PUBLIC_STATES
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.teams import TeamMember
from workflow_app.records.permissions import can_view_record, is_staff_reader
from workflow_app.records.sections import SECTIONS


@dataclass
class Context:
    cadre: User
    viewer: User
    assessments: list
    staff: bool = False

    @staticmethod
    def is_public(a):
        return a.state in PUBLIC_STATES

    @property
    def published(self):
        return [a for a in self.assessments if self.is_public(a)]


@dataclass
class Record:
    person: dict
    sections: list = field(default_factory=list)  # [{key, title, columns, rows}]

    @property
    def years(self):
        found = {r.get("year") for s in self.sections for r in s["rows"]}
        return sorted(y for y in found if y is not None)

    def by_year(self):
        """[(year, [(section, rows of that year)])], oldest year first; rows without a
        year (a section not tied to cycles) last, under None."""
        years = self.years + ([None] if self._undated() else [])
        return [(y, [(s, [r for r in s["rows"] if r.get("year") == y])
                     for s in self.sections if any(r.get("year") == y for r in s["rows"])])
                for y in years]

    def _undated(self):
        return any(r.get("year") is None for s in self.sections for r in s["rows"])


def record_cadre(user_id, viewer):
    """The cadre whose record `viewer` asks for: 404 unknown, 403 not theirs to read."""
    cadre = db.session.get(User, user_id)
    if cadre is None:
        raise NotFound()
    if not can_view_record(viewer, cadre):
        raise NotAllowed()
    return cadre


def _order(a):
    c = a.cycle
    # Within a year the quarters first, then the annual assessment that sums them up.
    return (c.year, c.kind == "annual", c.quarter or 0, c.opens_at, a.id)


def cadre_assessments(cadre):
    rows = db.session.scalars(
        select(Assessment).where(Assessment.cadre_id == cadre.id)
        .options(defaultload(Assessment.cycle).lazyload(Cycle.org_units))).all()
    return sorted(rows, key=_order)


def positions(cadre):
    """职务: the positions the cadre holds in leadership teams (班子)."""
    found = db.session.scalars(select(TeamMember.position)
                               .where(TeamMember.user_id == cadre.id)).all()
    return "、".join(dict.fromkeys(found))


def build_record(cadre, viewer):
    ctx = Context(cadre, viewer, cadre_assessments(cadre), is_staff_reader(viewer, cadre))
    person = {"id": cadre.id, "name": cadre.display_name, "unit": cadre.org_unit.name,
              "unit_id": cadre.org_unit_id, "position": positions(cadre)}
    sections = [{"key": s.key, "title": str(s.title),
                 "columns": [{"key": k, "label": str(label)} for k, label in s.columns],
                 "rows": s.load(ctx)} for s in SECTIONS if s.shown(ctx)]
    return Record(person, sections)


def record_json(record):
    return {"person": record.person, "years": record.years, "sections": record.sections}

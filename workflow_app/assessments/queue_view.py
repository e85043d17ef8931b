"""The queue page in one statement: the page's rows, the counts per state, the overdue
count and the filter menus' choices.

All four read the same CTE, the user's whole queue (`queries.task_filter`, the clause the
API and the item page use), so the menus and counts always describe the very rows
listed: no cache to invalidate, nothing another user could see. The rows are plain
values (`QueueRow`), never ORM objects: the page shows five columns of each.
"""

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import (
    Integer,
    case,
    cast,
    column,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)

from workflow_app.assessments.deadlines import due_column, due_for, overdue_clause
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.queries import Cadre, task_filter
from workflow_app.assessments.queue import MAX_PAGE_SIZE, joined
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.search import contains

# What a row of the union carries; each part fills its own columns, NULL elsewhere.
COLUMNS = ("id", "version", "state", "cycle_id", "org_unit_id", "cadre_id", "due_at",
           "state_since", "cadre_name", "unit_name", "cycle_name", "due", "n", "n_overdue")
PAGE, COUNT, CYCLE, UNIT = 0, 1, 2, 3


@dataclass(frozen=True, slots=True)
class QueueRow:
    id: int
    version: int
    state: str
    cycle_id: int
    org_unit_id: int
    cadre_id: int
    cadre_name: str
    unit_name: str
    cycle_name: str
    due: object  # aware datetime or None


@dataclass
class QueueView:
    rows: list = field(default_factory=list)
    has_next: bool = False
    counts: dict = field(default_factory=dict)
    overdue_total: int = 0
    cycles: list = field(default_factory=list)
    units: list = field(default_factory=list)


def _scoped(user, now):
    """The user's whole queue, one row per item, with what is shown and filtered on."""
    return joined(select(
        *[getattr(Assessment, name) for name in COLUMNS[:8]],
        Cadre.display_name.label("cadre_name"), Cadre.username.label("cadre_username"),
        OrgUnit.name.label("unit_name"), Cycle.name.label("cycle_name"),
        due_column().label("due"),
        case((overdue_clause(as_utc(now)), 1), else_=0).label("overdue"),
    )).where(task_filter(user)).cte("my_queue")


def _types():
    tables = {"cadre_name": User.display_name, "cadre_username": User.username,
              "unit_name": OrgUnit.name, "cycle_name": Cycle.name, "due": Assessment.due_at}
    found = {name: getattr(Assessment, name).type for name in COLUMNS[:8]}
    found.update({name: attr.type for name, attr in tables.items()})
    return found | {"kind": Integer(), "overdue": Integer(), "n": Integer(),
                    "n_overdue": Integer()}


# The CTE's and the union's columns by bare name (each part reads one FROM): plain
# column objects, made once. Deriving them from the CTE (`cte.c`) on every request cost
# more Python than the rest of the statement.
C = SimpleNamespace(**{name: column(name, type_) for name, type_ in _types().items()})


def _known(q, name, value):
    """`name = value`, or nothing when no item of the queue has that value: an unknown
    menu value is ignored, as the menu (built from the same rows) would not offer it."""
    if value is None:
        return None
    seen = select(literal_column("1")).select_from(q).where(getattr(C, name) == value)
    return or_(getattr(C, name) == value, ~seen.exists())


def _conditions(q, f, with_state=True):
    found = [_known(q, "cycle_id", f.cycle_id), _known(q, "org_unit_id", f.unit_id)]
    if with_state and f.state:
        found.append(C.state == f.state)
    if f.overdue:
        found.append(C.overdue == 1)
    if f.search:
        found.append(or_(contains(C.cadre_name, f.search), contains(C.cadre_username, f.search)))
    return [c for c in found if c is not None]


def _order(sort):
    if sort == "due_desc":
        return [C.due.desc().nulls_last(), C.id.desc()]
    if sort == "waiting":
        return [C.state_since, C.id]
    return [C.due.asc().nulls_last(), C.id]


def _part(kind, given):
    """One member of the union: `given` columns by name, typed NULLs for the rest."""
    out = [literal_column(str(kind), Integer).label("kind")]
    for name in COLUMNS:
        value = given.get(name)
        out.append(value.label(name) if value is not None else cast(null(), C.__dict__[
            name].type).label(name))
    return out


def _page_part(q, f, offset, size):
    inner = (select(*_part(PAGE, {n: getattr(C, n) for n in COLUMNS[:12]})).select_from(q)
             .where(*_conditions(q, f)).order_by(*_order(f.sort))
             .limit(size + 1).offset(offset)).subquery("page_rows")
    # Named, not `inner.c`: the union takes its types from its first member (the counts).
    return select(*[column(name) for name in ("kind", *COLUMNS)]).select_from(inner)


def _count_part(q, f):
    given = {"state": C.state, "n": func.count(), "n_overdue": func.sum(C.overdue)}
    return (select(*_part(COUNT, given)).select_from(q)
            .where(*_conditions(q, f, with_state=False)).group_by(C.state))


def _choice_part(q, kind, id_name, name_name):
    given = {id_name: getattr(C, id_name), name_name: getattr(C, name_name)}
    return select(*_part(kind, given)).select_from(q).distinct()


def statement(user, f, now, number=1, size=20):
    """The one SELECT behind the page (ordered: rows, counts, cycles, units)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    q = _scoped(user, now)
    return union_all(_count_part(q, f), _page_part(q, f, (number - 1) * size, size),
                     _choice_part(q, CYCLE, "cycle_id", "cycle_name"),
                     _choice_part(q, UNIT, "org_unit_id", "unit_name")).order_by(
        C.kind, *_order(f.sort), C.cycle_name, C.unit_name)


def load(user, f, now, number=1, size=20):
    """The QueueView of page `number` (from 1), from one statement."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    view, overdue = QueueView(), {}
    for r in db.session.execute(statement(user, f, now, number, size)):
        if r.kind == PAGE:
            view.rows.append(_row(r))
        elif r.kind == COUNT:
            view.counts[r.state], overdue[r.state] = r.n, int(r.n_overdue or 0)
        elif r.kind == CYCLE:
            view.cycles.append((r.cycle_id, r.cycle_name))
        else:
            view.units.append((r.org_unit_id, r.unit_name))
    view.has_next = len(view.rows) > size
    view.rows = view.rows[:size]
    view.overdue_total = sum(n for s, n in overdue.items() if not f.state or s == f.state)
    return view


def _row(r):
    return QueueRow(id=r.id, version=r.version, state=r.state, cycle_id=r.cycle_id,
                    org_unit_id=r.org_unit_id, cadre_id=r.cadre_id, cadre_name=r.cadre_name,
                    unit_name=r.unit_name, cycle_name=r.cycle_name, due=_due(r))


def _due(r):
    """As `deadlines.due_of`: the stored moment, else (older rows) worked out in Python."""
    if r.due is not None:
        return as_utc(r.due)
    if r.state == "drafting":
        return None
    return due_for(db.session.get(Cycle, r.cycle_id), r.state, r.state_since)

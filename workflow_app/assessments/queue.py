"""The reviewer's queue: what waits for me, filtered, counted per state, paged in SQL.

Everything builds on `queries.task_filter(user)`, the same scope-filtered clause as
the API's task list; nothing is loaded beyond the page shown.
"""

from dataclasses import dataclass

from sqlalchemy import func, select

from workflow_app.assessments.deadlines import due_column, overdue_clause
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.queries import Cadre, task_filter
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit

SORTS = ("due", "due_desc", "waiting")
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class QueueFilter:
    cycle_id: int | None = None
    unit_id: int | None = None
    state: str | None = None
    overdue: bool = False
    sort: str = "due"


def _joined(query):
    return (query.select_from(Assessment).join(Cadre, Cadre.id == Assessment.cadre_id)
            .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
            .join(Cycle, Cycle.id == Assessment.cycle_id))


def _where(query, user, f, now, with_state=True):
    query = _joined(query).where(task_filter(user))
    if f.cycle_id:
        query = query.where(Assessment.cycle_id == f.cycle_id)
    if f.unit_id:
        query = query.where(Assessment.org_unit_id == f.unit_id)
    if with_state and f.state:
        query = query.where(Assessment.state == f.state)
    if f.overdue:
        query = query.where(overdue_clause(as_utc(now)))
    return query


def _order(query, sort):
    due = due_column()
    if sort == "due_desc":
        return query.order_by(due.desc().nulls_last(), Assessment.id.desc())
    if sort == "waiting":
        return query.order_by(Assessment.state_since, Assessment.id)
    return query.order_by(due.asc().nulls_last(), Assessment.id)


def page(user, f, now, number=1, size=20):
    """(rows, has_next) of page `number` (from 1)."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    query = _order(_where(select(Assessment), user, f, now), f.sort)
    rows = db.session.scalars(query.limit(size + 1).offset((number - 1) * size)).all()
    return rows[:size], len(rows) > size


def state_counts(user, f, now):
    """{state: n} over the other filters, so the counts say where the work is."""
    query = _where(select(Assessment.state, func.count()), user, f, now, with_state=False)
    return dict(db.session.execute(query.group_by(Assessment.state)).all())


def overdue_count(user, f, now):
    query = _where(select(func.count()), user, f, now).where(overdue_clause(as_utc(now)))
    return db.session.scalar(query)


def choices(user):
    """The cycles and units that occur in my queue, for the filter menus."""
    def distinct(*columns):
        query = _joined(select(*columns)).where(task_filter(user)).distinct()
        return [tuple(r) for r in db.session.execute(query.order_by(columns[1]))]
    return {"cycles": distinct(Cycle.id, Cycle.name), "units": distinct(OrgUnit.id, OrgUnit.name)}

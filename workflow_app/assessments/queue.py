"""The reviewer's queue: what waits for me, filtered, counted per state, paged in SQL.

Everything builds on `queries.task_filter(user)`, the same scope-filtered clause as
the API's task list; nothing is loaded beyond the page shown. The queue page itself
reads its rows, counts and menus in one statement (`queue_view`).
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from workflow_app.assessments import labels
from workflow_app.assessments.deadlines import due_column, overdue_clause
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import represented, standing_in_for
from workflow_app.assessments.queries import Cadre, task_filter
from workflow_app.clock import as_utc
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.search import clean_query, contains
from workflow_app.security.inputs import to_int
from workflows import get_workflow

SORTS = ("due", "due_desc", "waiting")
MAX_PAGE_SIZE = 100
# The query arguments that make a queue view; the item page carries them along so a
# decision leads to the next item of the same view (issue 11).
FILTER_ARGS = ("cycle", "unit", "state", "overdue", "sort", "q")


@dataclass(frozen=True)
class QueueFilter:
    cycle_id: int | None = None
    unit_id: int | None = None
    state: str | None = None
    overdue: bool = False
    sort: str = "due"
    search: str = ""


def view_args(args):
    """The queue-view arguments of a request's query string (others dropped)."""
    return {k: args[k] for k in FILTER_ARGS if args.get(k)}


def filter_from(args):
    """A QueueFilter from query arguments; anything unknown or malformed is ignored."""
    state = args.get("state") or None
    sort = args.get("sort") if args.get("sort") in SORTS else "due"
    return QueueFilter(cycle_id=to_int(args.get("cycle")), unit_id=to_int(args.get("unit")),
                       state=state if state in labels.STATE_LABELS else None,
                       overdue=bool(args.get("overdue")), sort=sort,
                       search=clean_query(args.get("q")))


def joined(query):
    return (query.select_from(Assessment).join(Cadre, Cadre.id == Assessment.cadre_id)
            .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
            .join(Cycle, Cycle.id == Assessment.cycle_id))


def _where(query, user, f, now, with_state=True):
    query = joined(query).where(task_filter(user))
    if f.cycle_id:
        query = query.where(Assessment.cycle_id == f.cycle_id)
    if f.unit_id:
        query = query.where(Assessment.org_unit_id == f.unit_id)
    if with_state and f.state:
        query = query.where(Assessment.state == f.state)
    if f.overdue:
        query = query.where(overdue_clause(as_utc(now)))
    if f.search:
        query = query.where(or_(contains(Cadre.display_name, f.search),
                                contains(Cadre.username, f.search)))
    return query


def _order(query, sort):
    due = due_column()
    if sort == "due_desc":
        return query.order_by(due.desc().nulls_last(), Assessment.id.desc())
    if sort == "waiting":
        return query.order_by(Assessment.state_since, Assessment.id)
    return query.order_by(due.asc().nulls_last(), Assessment.id)


def next_item(user, f, now, skip_id):
    """The first item of the view `f` other than `skip_id` that waits for a decision on
    someone else's report (a reviewer's own draft is not "next"), or None."""
    query = _order(_where(select(Assessment), user, f, now), f.sort)
    return db.session.scalar(query.where(Assessment.id != skip_id,
                                         Assessment.cadre_id != user.id).limit(1))


def waits_for(user, assessment_id):
    """Whether the item is in `user`'s queue (some decision of theirs waits on it)."""
    return db.session.scalar(joined(select(Assessment.id)).where(
        Assessment.id == assessment_id, task_filter(user))) is not None


def waiting_among(user, ids):
    """The ids among `ids` that are in `user`'s queue (one query)."""
    if not ids:
        return set()
    return set(db.session.scalars(joined(select(Assessment.id)).where(
        Assessment.id.in_(sorted(ids)), task_filter(user))))


def stood_in_for(user, rows):
    """{item id: absent reviewer} for the rows that wait for `user` only as a substitute
    (代办). Nothing is looked up for someone who stands in for nobody."""
    if not represented(user) or not rows:
        return {}
    found = {}
    # The checks need the items themselves: loaded here, for substitutes only.
    for a in db.session.scalars(select(Assessment).where(
            Assessment.id.in_([r.id for r in rows]))):
        stage = get_workflow(a.cycle.workflow_key, a.cycle.workflow_version).stage_actor
        absent = standing_in_for(user, a, {stage.get(a.state)})
        if absent is not None:
            found[a.id] = absent
    return found


def state_counts(user, f, now):
    """{state: n} over the other filters, so the counts say where the work is."""
    query = _where(select(Assessment.state, func.count()), user, f, now, with_state=False)
    return dict(db.session.execute(query.group_by(Assessment.state)).all())


def overdue_count(user, f, now):
    query = _where(select(func.count()), user, f, now).where(overdue_clause(as_utc(now)))
    return db.session.scalar(query)

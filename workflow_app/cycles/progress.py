"""Where a cycle stands: counts per state and per unit, what blocks publishing or
archiving, and the status a person should read (which follows the assessments).

Every cycle-level operation that needs the whole quarter done (publish, archive)
asks here first, so a refusal always names its counts and the items that block it.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Assessment
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflows import get_workflow

# Done for publishing: approved (to publish now), taken out, or already published.
DONE_FOR_PUBLISH = ("approved", "excluded", "published", "disputed", "final", "appealed")
SHOWN_BLOCKERS = 50


class Incomplete(Conflict):
    code = "incomplete"
    default_message = _l("Not every assessment of this cycle is finished.")


def state_counts(cycle):
    """{state: n} for the cycle, one query."""
    rows = db.session.execute(select(Assessment.state, func.count())
                              .where(Assessment.cycle_id == cycle.id)
                              .group_by(Assessment.state))
    return dict(rows.all())


def ordered_counts(cycle, counts):
    """[(state, n)] in the workflow's order, for pages."""
    states = get_workflow(cycle.workflow_key, cycle.workflow_version).states
    return [(s, counts[s]) for s in states if s in counts]


def unit_counts(cycle):
    """[{"unit_id", "name", "by_state"}] ordered by the unit's place in the tree."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.path, Assessment.state, func.count())
        .join(Assessment, Assessment.org_unit_id == OrgUnit.id)
        .where(Assessment.cycle_id == cycle.id)
        .group_by(OrgUnit.id, OrgUnit.name, OrgUnit.path, Assessment.state)
        .order_by(OrgUnit.path))
    units = {}
    for unit_id, name, _path, state, n in rows:
        units.setdefault(unit_id, {"unit_id": unit_id, "name": name, "by_state": {}})
        units[unit_id]["by_state"][state] = n
    return list(units.values())


def describe_counts(counts):
    """"填报中 16、上级审核 10" in the reader's language."""
    return "、".join(f"{state_label(s)} {n}" for s, n in counts.items())


def blocking_items(cycle, states, limit=SHOWN_BLOCKERS):
    """(assessment id, cadre name, state) of the items in `states`, for links."""
    return db.session.execute(
        select(Assessment.id, User.display_name, Assessment.state)
        .join(User, User.id == Assessment.cadre_id)
        .where(Assessment.cycle_id == cycle.id, Assessment.state.in_(states))
        .order_by(Assessment.state, User.display_name).limit(limit)).all()


def not_done(counts, done):
    return {s: n for s, n in counts.items() if s not in done}


def require_done(cycle, done, message):
    """Raise Incomplete (409) with the counts per state of what is not in `done`."""
    waiting = not_done(state_counts(cycle), done)
    if waiting:
        text = gettext("%(message)s Still waiting: %(counts)s.", message=message,
                       counts=describe_counts(waiting))
        raise Incomplete(text, details={"counts": waiting,
                                        "assessment_ids": [r[0] for r in blocking_items(
                                            cycle, list(waiting))]})


def require_complete_for_publish(cycle):
    require_done(cycle, DONE_FOR_PUBLISH, gettext(
        "Publishing needs every assessment approved or excluded first."))


def final_states(cycle):
    return get_workflow(cycle.workflow_key, cycle.workflow_version).final_states


def is_preview(counts):
    """Grading before every assessment is done is a trial run (试算)."""
    return bool(not_done(counts, DONE_FOR_PUBLISH))


def display_status(cycle, counts, now=None):
    """The status to show: a published cycle whose 公示 has ended no longer reads
    公示中; once every result is filed it reads as ready to archive."""
    if cycle.status != "published":
        return cycle.status
    ends = as_utc(cycle.publication_ends_at)
    if ends is not None and (now or utcnow()) < ends:
        return "published"
    if not not_done(counts, final_states(cycle)):
        return "filed"
    return "publication_ended"

"""The audit log as its readers see it: scoped to their units, filtered, one page at a time.

Who reads it: auditors (纪委/审计) and org_admins, each over the units of their grants.
An entry is in scope when its subject lies there:

- an assessment and everything of its own chain family (360 round `raters`, survey,
  attachment, 负面清单 item, indicator adjustment) → the assessment's unit;
- a cycle → when one of its assessments, one of its chosen units or its creator's unit
  is in scope; but a cycle entry about one assessment (`escalate`) only with that
  assessment's scope (`other_units_clause`);
- a user → the user's unit; an org unit → the unit; a team → its unit; a notification
  → its recipient's unit;
- county-wide settings (indicator sheets, the working-day calendar) → every reader:
  they apply to every unit and name nobody;
- any other subject type → nobody, until someone decides where it belongs. A subject
  whose row was deleted (a team) drops out of every scope with it.

What the anonymity rules hide stays hidden (issue 9): see `hidden_clause`.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, false, func, not_, or_, select, union
from sqlalchemy.orm import aliased

from workflow_app.assessments.models import Assessment, Attachment
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles.indicators import AssessmentAdjustment, CycleIndicatorItem
from workflow_app.cycles.models import Cycle, cycle_unit
from workflow_app.extensions import db
from workflow_app.followups.models import FollowUp
from workflow_app.notifications.models import Notification
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import AUDITOR, ORG_ADMIN
from workflow_app.people.scope import scope_paths
from workflow_app.people.search import clean_query, contains
from workflow_app.people.teams import Team
from workflow_app.scoring.models import NegativeItem
from workflow_app.security.inputs import to_int
from workflow_app.showcase.models import ShowcaseBoard
from workflow_app.surveys.models import SatisfactionSurvey
from workflow_app.workcalendar import LOCAL_TZ

READER_ROLES = (AUDITOR, ORG_ADMIN)
SHARED_SUBJECTS = ("indicator_sheet", "indicator_item", "calendar_day")
PAGE_SIZE = 50
EXPORT_LIMIT = 5000
MAX_PAGE = 10_000


def can_read_log(user):
    return bool(user.is_authenticated and scope_paths(user, *READER_ROLES))


# --- which subjects belong where -------------------------------------------------------------

def units_under(paths):
    return select(OrgUnit.id).where(or_(*[OrgUnit.path.like(p + "%") for p in paths]))


def tied_to_assessments(assessments):
    """{subject_type: ids} of every chain that belongs to one of `assessments`."""
    def owned(model):
        return select(model.id).where(model.assessment_id.in_(assessments))
    return {"assessment": assessments, "raters": assessments,
            "survey": owned(SatisfactionSurvey), "attachment": owned(Attachment),
            "negative_item": owned(NegativeItem),
            "assessment_adjustment": owned(AssessmentAdjustment)}


def tied_to_units(units):
    users = select(User.id).where(User.org_unit_id.in_(units))
    tied = tied_to_assessments(select(Assessment.id).where(Assessment.org_unit_id.in_(units)))
    tied.update({
        "cycle": union(select(Assessment.cycle_id).where(Assessment.org_unit_id.in_(units)),
                       select(cycle_unit.c.cycle_id).where(cycle_unit.c.org_unit_id.in_(units)),
                       select(Cycle.id).where(Cycle.created_by_id.in_(users))),
        "user": users, "org_unit": units,
        "team": select(Team.id).where(Team.org_unit_id.in_(units)),
        "notification": select(Notification.id).where(Notification.user_id.in_(users)),
        "follow_up": select(FollowUp.id).where(or_(FollowUp.org_unit_id.in_(units),
                                                   FollowUp.user_id.in_(users))),
        "showcase_board": select(ShowcaseBoard.id).where(ShowcaseBoard.org_unit_id.in_(units)),
        "unit_weights": units,
        "linkage_completion": select(CycleIndicatorItem.id).join(
            cycle_unit, cycle_unit.c.cycle_id == CycleIndicatorItem.cycle_id)
        .where(cycle_unit.c.org_unit_id.in_(units))})
    return tied


def subject_in(tied, type_col=AuditEntry.subject_type, id_col=AuditEntry.subject_id):
    return or_(*[and_(type_col == kind, id_col.in_(ids)) for kind, ids in tied.items()])


def scope_clause(user, type_col=AuditEntry.subject_type, id_col=AuditEntry.subject_id):
    """The subjects `user` may read the log of (None: no grant that reads it)."""
    paths = scope_paths(user, *READER_ROLES)
    if not paths:
        return None
    return or_(subject_in(tied_to_units(units_under(paths)), type_col, id_col),
               type_col.in_(SHARED_SUBJECTS))


# Cycle entries about one assessment (the scheduler's overdue escalation names it and the
# reviewers it told): read with that assessment's scope, not the cycle's.
ASSESSMENT_NAMING = ("escalate",)


def other_units_clause(paths):
    """A cycle entry that names an assessment outside `paths` (the cycle spans units)."""
    named = AuditEntry.data["assessment_id"].as_integer()
    inside = select(Assessment.id).where(Assessment.org_unit_id.in_(units_under(paths)))
    return and_(AuditEntry.subject_type == "cycle", AuditEntry.action.in_(ASSESSMENT_NAMING),
                or_(named.is_(None), named.not_in(inside)))


def hidden_clause(user):
    """What no reader sees here, whoever they are (issue 9's anonymity rules):

    - `rate` entries of a 360 round: one per rating, without the rater, but its moment
      says how many have rated by when — "who has rated" while the round is open, and
      next to the rest of the log (someone's other actions that minute) who rated;
    - the chains of the reader's own assessments (回避: nobody reviews their own record,
      and an objection's entry names the colleague who raised it).

    The rater list an `assign` entry carries is dropped from the shown data
    (present.shown_data), for the same reason.
    """
    own = select(Assessment.id).where(Assessment.cadre_id == user.id)
    return or_(and_(AuditEntry.subject_type == "raters", AuditEntry.action == "rate"),
               subject_in(tied_to_assessments(own)))


# --- the filter --------------------------------------------------------------------------

@dataclass
class LogFilter:
    person: str = ""
    unit: int | None = None
    cycle: int | None = None
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None
    subject_type: str = ""
    subject_id: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args):
        return cls(person=clean_query(args.get("person")), unit=to_int(args.get("unit")),
                   cycle=to_int(args.get("cycle")), action=(args.get("action") or "")[:40],
                   date_from=_date(args.get("date_from")), date_to=_date(args.get("date_to")),
                   subject_type=(args.get("subject_type") or "")[:30],
                   subject_id=to_int(args.get("subject_id")),
                   page=to_int(args.get("page"), 1, MAX_PAGE) or 1)

    def args(self, **override):
        """The query string that gives this filter back (empty fields left out)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)} | override
        return {k: (v.isoformat() if isinstance(v, date) else v)
                for k, v in values.items() if v not in (None, "") and (k, v) != ("page", 1)}

    def is_empty(self):
        return not self.args(page=1)


def _date(value):
    try:
        return date.fromisoformat((value or "").strip()) if value else None
    except ValueError:
        return None


def local_midnight(day):
    """The UTC moment a local (Asia/Shanghai) day starts."""
    return datetime.combine(day, time(), LOCAL_TZ)


def filter_clauses(flt):
    clauses = []
    if flt.person:
        clauses.append(_person_clause(flt.person))
    if flt.unit:
        unit_path = select(OrgUnit.path).where(OrgUnit.id == flt.unit).scalar_subquery()
        units = select(OrgUnit.id).where(OrgUnit.path.like(unit_path + "%"))
        clauses.append(subject_in(tied_to_units(units)))
    if flt.cycle:
        cycle_assessments = select(Assessment.id).where(Assessment.cycle_id == flt.cycle)
        in_cycle = tied_to_assessments(cycle_assessments)
        clauses.append(subject_in({**in_cycle, "cycle": [flt.cycle]}))
    if flt.action:
        clauses.append(AuditEntry.action == flt.action)
    if flt.date_from:
        clauses.append(AuditEntry.at >= local_midnight(flt.date_from))
    if flt.date_to:
        clauses.append(AuditEntry.at < local_midnight(flt.date_to + timedelta(days=1)))
    if flt.subject_type:
        clauses.append(AuditEntry.subject_type == flt.subject_type)
    if flt.subject_id:
        clauses.append(AuditEntry.subject_id == flt.subject_id)
    return clauses


def _person_clause(q):
    """The person acted (or was stood in for), or the entry is about them: their own
    assessment's chains, or their user record."""
    people = select(User.id).where(or_(contains(User.display_name, q), contains(User.username, q)))
    theirs = tied_to_assessments(select(Assessment.id).where(Assessment.cadre_id.in_(people)))
    return or_(AuditEntry.actor_id.in_(people), AuditEntry.on_behalf_of_id.in_(people),
               subject_in({**theirs, "user": people}))


# --- the queries ---------------------------------------------------------------------------

def readable(user, flt=None):
    """The WHERE of what `user` may read, narrowed by `flt`."""
    scope = scope_clause(user)
    if scope is None:
        return [false()]
    paths = scope_paths(user, *READER_ROLES)
    return [scope, not_(other_units_clause(paths)), not_(hidden_clause(user)),
            *filter_clauses(flt or LogFilter())]


Actor, Deputy = aliased(User), aliased(User)


def _rows(where):
    """Entries with their actor's and deputy's names, newest first (one query)."""
    return (select(AuditEntry, Actor.display_name, Deputy.display_name)
            .outerjoin(Actor, Actor.id == AuditEntry.actor_id)
            .outerjoin(Deputy, Deputy.id == AuditEntry.on_behalf_of_id)
            .where(*where).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()))


@dataclass
class Row:
    entry: AuditEntry
    actor_name: str | None
    deputy_name: str | None


def log_page(user, flt):
    """(rows of the page, total matching): one query for each."""
    where = readable(user, flt)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    rows = db.session.execute(
        _rows(where).limit(PAGE_SIZE).offset((flt.page - 1) * PAGE_SIZE)).all()
    return [Row(*r) for r in rows], total


def log_export(user, flt, limit=None):
    """(up to `limit` (EXPORT_LIMIT) rows, total matching) for the spreadsheet."""
    limit = limit or EXPORT_LIMIT
    where = readable(user, flt)
    total = db.session.scalar(select(func.count()).select_from(AuditEntry).where(*where))
    return [Row(*r) for r in db.session.execute(_rows(where).limit(limit)).all()], total


def actions_present(user):
    """The action codes among the entries `user` may read, for the filter's select."""
    return db.session.scalars(select(AuditEntry.action).where(*readable(user))
                              .distinct().order_by(AuditEntry.action)).all()


def units_for_filter(user):
    paths = scope_paths(user, *READER_ROLES)
    if not paths:
        return []
    return db.session.scalars(select(OrgUnit).where(OrgUnit.id.in_(units_under(paths)))
                              .order_by(OrgUnit.path)).all()


def cycles_in_scope(user):
    """Cycles the reader oversees: with an assessment or a chosen unit under their grants."""
    paths = scope_paths(user, *READER_ROLES)
    if not paths:
        return []
    ids = tied_to_units(units_under(paths))["cycle"]
    return db.session.scalars(select(Cycle).where(Cycle.id.in_(ids))
                              .order_by(Cycle.opens_at.desc(), Cycle.id.desc())).all()

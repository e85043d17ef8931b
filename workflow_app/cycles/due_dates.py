"""A cycle's due dates on the working calendar, and moving one off a day just made a day off.

A cycle has three kinds of due date (cycles/models.py, assessments/deadlines.py):
  submit        Cycle.submit_deadline: the cadres' reports (提交截止)
  stage:<s>     Assessment.due_at of the items waiting in review stage <s> (or an objection
                or appeal waiting for a decision): the stage's time limit in working days,
                fixed when the item arrived
  publication   Cycle.publication_ends_at: the end of 公示, when objections close
The appeal period is not stored (guards.appeal_open counts it each time): it follows the
calendar by itself, and so do the overdue reminders (scheduler.reviews counts working days).

A due moment's *day* is the day people work towards it: 17:00 on the 15th is the 15th, and
00:00 on the 16th (the end of the 15th, as add_working_days gives it) is the 15th too.
Moving keeps the time of day and goes to the next working day; whoever the date was
announced to is told the new one (the cadres still drafting; those in 公示).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from workflow_app.assessments.deadlines import OBJECTION_STATES
from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Assessment
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.models import CalendarDay, Cycle
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.preferences import KIND_LABELS
from workflow_app.notifications.services import queue_many
from workflow_app.people.models import User
from workflow_app.workcalendar import LOCAL_TZ, is_workday, next_working_day, today_local
from workflows import get_workflow

SUBMIT, PUBLICATION, STAGE = "submit", "publication", "stage:"
# Statuses in which each kind of due date is still ahead of someone.
SUBMIT_STATUSES = ("draft", "scheduled", "open")
STAGE_STATUSES = ("open", "closed", "published")
PUBLICATION_STATUSES = ("published",)
ALIVE = tuple(dict.fromkeys(SUBMIT_STATUSES + STAGE_STATUSES))
SHOWN = "%Y-%m-%d %H:%M"

KINDS["submit_deadline_moved"] = (
    _l("New deadline for %(cycle)s: %(deadline)s"),
    _l("%(day)s is now a day off: your report for %(cycle)s is due %(deadline)s "
       "instead of %(old)s."),
)
KINDS["publication_extended"] = (
    _l("Publication of %(cycle)s now ends %(until)s"),
    _l("%(day)s is now a day off: the publication of %(cycle)s, and the time to raise an "
       "objection, now ends %(until)s instead of %(old)s."),
)
KIND_LABELS.update({"submit_deadline_moved": _l("The deadline of my report was moved"),
                    "publication_extended": _l("A publication period I am in was extended")})


@dataclass(frozen=True)
class Due:
    cycle: Cycle
    deadline: str  # "submit", "publication" or "stage:<state>"
    moment: datetime  # aware UTC
    items: int  # people or items it concerns

    @property
    def day(self):
        return due_day(self.moment)

    @property
    def label(self):
        return deadline_label(self.deadline)

    @property
    def shown(self):
        return self.moment.astimezone(LOCAL_TZ).strftime(SHOWN)


@dataclass(frozen=True)
class Moved:
    due: Due
    moment: datetime
    told: int  # people notified

    @property
    def shown(self):
        return self.moment.astimezone(LOCAL_TZ).strftime(SHOWN)


def due_day(moment):
    """The day one works towards `moment`: a moment at local midnight belongs to the day
    before."""
    return (as_utc(moment).astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()


def deadline_label(deadline):
    if deadline == SUBMIT:
        return gettext("report submission deadline")
    if deadline == PUBLICATION:
        return gettext("end of publication (objections close)")
    return gettext("time limit of %(stage)s", stage=state_label(deadline[len(STAGE):]))


def items_label(due):
    """Whom a due date concerns, in words, for the warning on the calendar."""
    if due.deadline == SUBMIT:
        return gettext("%(n)d not submitted yet", n=due.items)
    if due.deadline == PUBLICATION:
        return gettext("%(n)d results in publication", n=due.items)
    return gettext("%(n)d waiting", n=due.items)


def conflicts(user, now=None):
    """[{day, next, dues}]: each day off ahead carrying due dates, with its next working
    day, for the warning on the calendar page."""
    by_day = {}
    for due in on_days_off(user, now):
        by_day.setdefault(due.day, []).append(due)
    return [{"day": day, "next": next_working_day(day), "dues": dues}
            for day, dues in sorted(by_day.items())]


def managed_cycles(user):
    cycles = db.session.scalars(select(Cycle).where(Cycle.status.in_(ALIVE))
                                .order_by(Cycle.id)).all()
    return [c for c in cycles if can_manage_cycle(user, c)]


def due_dates(user, now=None, first=None, last=None):
    """Every due date still ahead in the cycles `user` manages, by day (first…last)."""
    now = as_utc(now) if now else utcnow()
    out = [d for c in managed_cycles(user) for d in dues_of(c, now)]
    out = [d for d in out if (first is None or d.day >= first) and (last is None or d.day <= last)]
    return sorted(out, key=lambda d: (d.moment, d.cycle.id, d.deadline))


def on_days_off(user, now=None):
    """The due dates ahead that fall on a day made a day off locally (本地调整 休息日)."""
    now = as_utc(now) if now else utcnow()
    days = set(db.session.scalars(select(CalendarDay.day).where(
        CalendarDay.is_workday.is_(False), CalendarDay.day >= today_local(now))))
    return [d for d in due_dates(user, now) if d.day in days] if days else []


def dues_of(cycle, now):
    out = []
    if cycle.status in SUBMIT_STATUSES and as_utc(cycle.submit_deadline) > now:
        out.append(Due(cycle, SUBMIT, as_utc(cycle.submit_deadline), _count(cycle, "drafting")))
    ends = as_utc(cycle.publication_ends_at)
    if cycle.status in PUBLICATION_STATUSES and ends is not None and ends > now:
        out.append(Due(cycle, PUBLICATION, ends, _count(cycle, "published", "disputed")))
    if cycle.status in STAGE_STATUSES:
        out += _stage_dues(cycle, now)
    return out


def _count(cycle, *states):
    return db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state.in_(states)))


def _stage_states(cycle):
    stages = get_workflow(cycle.workflow_key, cycle.workflow_version).stage_actor
    return (*stages, *OBJECTION_STATES)


def _stage_dues(cycle, now):
    """One Due per (stage, day): the items due then, however many moments that day."""
    rows = db.session.execute(
        select(Assessment.state, Assessment.due_at, func.count())
        .where(Assessment.cycle_id == cycle.id, Assessment.state.in_(_stage_states(cycle)),
               Assessment.due_at > now)
        .group_by(Assessment.state, Assessment.due_at)).all()
    merged = {}
    for state, moment, n in rows:
        key = (state, due_day(moment))
        first, count = merged.get(key, (as_utc(moment), 0))
        merged[key] = (min(first, as_utc(moment)), count + n)
    return [Due(cycle, STAGE + state, moment, n) for (state, _d), (moment, n) in merged.items()]


# --- moving ------------------------------------------------------------------------------

def get_cycle_for_moving(cycle_id, actor):
    """The cycle, locked against a concurrent close or publish (and read again once the
    lock is ours, not taken from the session): 404 unknown, 403 not theirs."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.id == cycle_id).with_for_update()
                              .execution_options(populate_existing=True))
    if cycle is None:
        raise NotFound()
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    return cycle


def move_deadline(cycle, actor, deadline, day, now=None):
    """Move `cycle`'s `deadline` due on `day` (now a day off) to the next working day."""
    now = as_utc(now) if now else utcnow()
    if not can_manage_cycle(actor, cycle):
        raise NotAllowed()
    _check_kind(cycle, deadline)
    if is_workday(day):
        raise WrongState(_l("%(day)s is a working day: the deadline stays where it is.",
                            day=day.isoformat()), code="working_day")
    due = next((d for d in dues_of(cycle, now) if d.deadline == deadline and d.day == day),
               None)
    if due is None:
        raise WrongState(_gone(cycle, deadline, day), code="nothing_to_move")
    shift = next_working_day(day) - day
    mover = _move_stage if deadline.startswith(STAGE) else _MOVERS[deadline]
    told = mover(cycle, due, shift, day)
    record("cycle", cycle.id, "move_deadline", actor=actor, at=now,
           data={"deadline": deadline, "from_due": due.moment.astimezone(LOCAL_TZ).isoformat(),
                 "to_due": (due.moment + shift).astimezone(LOCAL_TZ).isoformat(),
                 "day_off": day.isoformat(), "items": due.items, "told": told})
    return Moved(due, due.moment + shift, told)


def move_all(actor, day, now=None):
    """Move every due date on `day` in the cycles `actor` manages; [Moved]."""
    now = as_utc(now) if now else utcnow()
    dues = [d for d in due_dates(actor, now) if d.day == day]
    if not dues:
        raise WrongState(_l("Nothing is due on %(day)s any more.", day=day.isoformat()),
                         code="nothing_to_move")
    return [move_deadline(get_cycle_for_moving(d.cycle.id, actor), actor, d.deadline, day,
                          now) for d in dues]


def _check_kind(cycle, deadline):
    known = {SUBMIT, PUBLICATION, *(STAGE + s for s in _stage_states(cycle))}
    if deadline not in known:
        raise Invalid(_l("This cycle has no such due date: choose one from the list."),
                      fields={"deadline": "unknown"})


def _gone(cycle, deadline, day):
    """Why there is nothing to move: the cycle moved on, or the date did."""
    if deadline == SUBMIT and cycle.status not in SUBMIT_STATUSES:
        return _l("%(cycle)s has closed its submission window meanwhile: its deadline is "
                  "no longer moved.", cycle=cycle.name)
    if deadline == PUBLICATION and cycle.status not in PUBLICATION_STATUSES:
        return _l("%(cycle)s is no longer in publication: there is nothing to move.",
                  cycle=cycle.name)
    if cycle.status not in ALIVE:
        return _l("%(cycle)s is closed meanwhile: its dates are no longer moved.",
                  cycle=cycle.name)
    return _l("%(cycle)s has no %(deadline)s on %(day)s any more (moved already?).",
              cycle=cycle.name, deadline=deadline_label(deadline), day=day.isoformat())


def _move_submit(cycle, due, shift, day):
    """The cycle's deadline and the due date of those sent back to drafting with it."""
    old = as_utc(cycle.submit_deadline)
    cycle.submit_deadline = old + shift
    db.session.execute(update(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "drafting",
        Assessment.due_at == old).values(due_at=old + shift))
    if cycle.status != "open":
        return 0  # nobody was told a date yet: the opening notice will carry the new one
    params = {"cycle": cycle.name, "day": day.isoformat(), "old": due.shown,
              "deadline": (old + shift).astimezone(LOCAL_TZ).strftime(SHOWN)}
    return _tell(cycle, ("drafting",), "submit_deadline_moved", params, "deadline")


def _move_publication(cycle, due, shift, day):
    old = as_utc(cycle.publication_ends_at)
    cycle.publication_ends_at = old + shift
    params = {"cycle": cycle.name, "day": day.isoformat(), "old": due.shown,
              "until": (old + shift).astimezone(LOCAL_TZ).strftime(SHOWN)}
    return _tell(cycle, ("published", "disputed"), "publication_extended", params,
                 "publication")


def _move_stage(cycle, due, shift, day):
    """Reviewers see the new date in their queue; the reminders already count working days."""
    state = due.deadline[len(STAGE):]
    # In UTC: SQLite keeps no zone, and everything in it was written in UTC.
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)
    olds = db.session.scalars(select(Assessment.due_at).distinct().where(
        Assessment.cycle_id == cycle.id, Assessment.state == state,
        Assessment.due_at > start, Assessment.due_at <= start + timedelta(days=1))).all()
    for old in olds:
        db.session.execute(update(Assessment).where(
            Assessment.cycle_id == cycle.id, Assessment.state == state,
            Assessment.due_at == old).values(due_at=as_utc(old) + shift))
    return 0


_MOVERS = {SUBMIT: _move_submit, PUBLICATION: _move_publication}


def _tell(cycle, states, kind, params, what):
    """Queue `kind` to the cadre of every assessment of `cycle` in `states`."""
    rows = db.session.execute(select(Assessment.id, User).join(
        User, User.id == Assessment.cadre_id).where(
        Assessment.cycle_id == cycle.id, Assessment.state.in_(states))).all()
    # One notice per person per new date, however often the page is submitted.
    stamp = (params.get("deadline") or params["until"]).replace(" ", "T")
    queue_many([(cadre, kind, params, f"a{aid}:{what}-moved:{stamp}",
                 f"/assessments/{aid}", None) for aid, cadre in rows], load=False)
    return len(rows)

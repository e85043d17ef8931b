"""Every scheduled job, declared once with a fixed id (DESIGN.md §5).

Each body is `job(now) -> count` and is idempotent: running it twice at the same
moment (two scheduler processes, a restart, `--run-once` repeated, a missed run
caught up) changes nothing twice and queues nothing twice. Notifications rely on
the unique dedup key of the outbox; state changes on the state they start from.
Bodies never commit: the runner commits after each job.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import String, cast, exists, literal, select

from workflow_app.assessments.attachments import purge_withdrawn
from workflow_app.assessments.models import Assessment
from workflow_app.clock import as_utc
from workflow_app.cycles.lifecycle import close_due_cycles
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import open_cycle
from workflow_app.extensions import db
from workflow_app.followups.reminders import remind_rectification
from workflow_app.notifications.digest import retire_handled
from workflow_app.notifications.models import Notification
from workflow_app.notifications.services import channels_for, queue_many
from workflow_app.people.models import User
from workflow_app.scheduler import messages  # noqa: F401  (registers the reminder kinds)
from workflow_app.scheduler.policy import reminder_days
from workflow_app.scheduler.ratings import remind_rating_deadline
from workflow_app.scheduler.reviews import escalate_overdue_reviews, remind_overdue_reviews
from workflow_app.scoring import services as scoring
from workflow_app.workcalendar import LOCAL_TZ, today_local


@dataclass(frozen=True)
class Job:
    id: str
    func: object
    trigger: str
    trigger_args: dict = field(default_factory=dict)
    description: str = ""


def open_due_cycles(now):
    """Open every scheduled cycle whose window has come (one assessment per cadre)."""
    due = db.session.scalars(select(Cycle).where(Cycle.status == "scheduled",
                                                 Cycle.opens_at <= now)
                             .order_by(Cycle.id)).all()
    for cycle in due:
        open_cycle(cycle, None, now=now)
    return len(due)


def reminder_slot(deadline, now):
    """(slot, days_left): the reminder slot `now` falls in, or (None, days_left).

    Slot 7 covers 7…4 days left, slot 3 covers 3…2, and so on: a run missed on the
    day itself (scheduler down) is caught up later, still once per slot.
    """
    days_left = (as_utc(deadline).astimezone(LOCAL_TZ).date() - today_local(now)).days
    if as_utc(deadline) <= now or days_left < 0:
        return None, days_left
    slot = next((d for d in sorted(reminder_days()) if d >= days_left), None)
    return slot, days_left


def remind_submit_deadline(now):
    """Remind cadres still drafting, 7, 3 and 1 days before the deadline and on the day."""
    horizon = now + timedelta(days=max(reminder_days(), default=0) + 1)
    cycles = db.session.scalars(select(Cycle).where(
        Cycle.status == "open", Cycle.submit_deadline > now,
        Cycle.submit_deadline <= horizon).order_by(Cycle.id)).all()
    return sum(_remind_cycle(cycle, now) for cycle in cycles)


def _remind_cycle(cycle, now):
    slot, days_left = reminder_slot(cycle.submit_deadline, now)
    if slot is None:
        return 0
    deadline = as_utc(cycle.submit_deadline).astimezone(LOCAL_TZ).strftime("%m-%d %H:%M")
    params = {"cycle": cycle.name, "deadline": deadline, "days": days_left}
    kind = "submit_due_today" if days_left == 0 else "submit_reminder"
    drafting = db.session.scalars(select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.state == "drafting",
        _not_reminded(slot)).order_by(Assessment.id)).all()
    return sum(_remind_chunk(drafting[start:start + REMIND_CHUNK], kind, params, slot)
               for start in range(0, len(drafting), REMIND_CHUNK))


# A city's deadline reminds tens of thousands at once: a chunk at a time, each written
# with one INSERT and then let go, keeps the scheduler's memory flat.
REMIND_CHUNK = 1000


def _remind_chunk(ids, kind, params, slot):
    """Queue one chunk's reminders; the number of assessments reminded."""
    rows = db.session.execute(select(Assessment.id, User).join(
        User, User.id == Assessment.cadre_id).where(Assessment.id.in_(ids))).all()
    added = queue_many([(cadre, kind, params, _reminder_key(aid, slot),
                         f"/assessments/{aid}", reminder_channels(cadre))
                        for aid, cadre in rows], load=False)
    keys = db.session.scalars(select(Notification.dedup_key).where(
        Notification.id.in_(added))).all() if added else []
    for _, cadre in rows:
        db.session.expunge(cadre)
    return len({key.split(":", 1)[0] for key in keys})


def _reminder_key(assessment_id, slot):
    return f"a{assessment_id}:submit_reminder:d{slot}"


def _not_reminded(slot):
    """No in-app reminder for this slot yet: the hourly re-runs then skip, in SQL and
    through the unique index, the tens of thousands already reminded."""
    key = (literal("a") + cast(Assessment.id, String) + literal(f":submit_reminder:d{slot}:")
           + cast(Assessment.cadre_id, String) + literal(":in_app"))
    return ~exists().where(Notification.dedup_key == key)


def reminder_channels(user):
    """Deadline reminders also go by SMS: a missed deadline is what SMS is for."""
    return channels_for(user) + (["sms"] if user.phone else [])


def finalize_due(now):
    """File (备案) published results whose publication period has ended."""
    return scoring.finalize_due(now)


JOBS = (
    Job("open_due_cycles", open_due_cycles, "interval", {"minutes": 1},
        "Open assessment windows at opens_at"),
    # Hourly in office hours rather than once: a restart misses nothing, dedup keeps it once.
    Job("remind_submit_deadline", remind_submit_deadline, "cron",
        {"hour": "8-20", "minute": 0}, "Remind drafting cadres 7/3/1/0 days before the deadline"),
    Job("close_due_cycles", close_due_cycles, "interval", {"minutes": 5},
        "Close submission windows after the deadline (plus grace)"),
    Job("remind_overdue_reviews", remind_overdue_reviews, "cron",
        {"hour": "9-17", "minute": 15}, "Remind reviewers of items past the stage SLA"),
    Job("escalate_overdue_reviews", escalate_overdue_reviews, "cron",
        {"hour": "9-17", "minute": 20}, "Escalate items long past the SLA to the next level"),
    Job("remind_rating_deadline", remind_rating_deadline, "cron",
        {"hour": "8-20", "minute": 5},
        "Remind raters still to rate when their round closes within a few working days"),
    Job("finalize_due", finalize_due, "interval", {"minutes": 10},
        "Finalize results whose publication has ended"),
    Job("retire_handled_notices", retire_handled, "interval", {"minutes": 5},
        "Mark done the in-app notices whose reports no longer wait for their reader"),
    Job("remind_rectification", remind_rectification, "cron", {"hour": "8-20", "minute": 10},
        "Remind owners of rectification measures due soon; tell the admin of overdue ones"),
    Job("purge_withdrawn_evidence", purge_withdrawn, "cron", {"hour": 3, "minute": 30},
        "Delete withdrawn evidence files from disk once the result is filed"),
)
JOBS_BY_ID = {job.id: job for job in JOBS}

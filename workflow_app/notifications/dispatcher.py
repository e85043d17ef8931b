"""The outbox dispatcher: delivers pending notifications, with retries and back-off.

Rows are claimed in small batches with SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL, so any number of dispatchers can drain the same outbox: a row locked
by one is skipped by the others, and a delivered row is no longer pending when
the lock is released. SQLite has no row locks (the clause is not rendered
there); it is the single-process demo database, where one dispatcher runs.
"""

import logging
import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from workflow_app.assessments.fanout import fan_out
from workflow_app.clock import as_utc, utcnow
from workflow_app.extensions import db
from workflow_app.notifications import digest
from workflow_app.notifications.channels import CHANNELS, PermanentDeliveryError
from workflow_app.notifications.models import Notification

log = logging.getLogger(__name__)

# Wait before attempt 2, 3, 4, 5; after MAX_ATTEMPTS failures the row is 'dead'.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2))
MAX_ATTEMPTS = 5
BATCH_SIZE = 20
POLL_SECONDS = 5


def drain(now=None, batch_size=BATCH_SIZE):
    """Deliver everything due at `now`; commits once per batch. Returns a summary line."""
    now = as_utc(now) if now else utcnow()
    counts, last_id = Counter(), 0
    counts["told"] = fan_out()  # transitions whose notices were not fanned out yet
    db.session.commit()
    counts["digests"] = digest.gather(now)
    db.session.commit()  # the digests and their merged parts together, locks released
    while True:
        batch = claim(now, last_id, batch_size)
        if not batch:
            break
        for note in batch:
            counts[deliver(note, now)] += 1
        last_id = batch[-1].id
        # Committing releases the batch's row locks together with its new statuses.
        db.session.commit()
    return summary(counts)


def claim(now, after_id, limit):
    """Lock up to `limit` due rows that no other dispatcher holds, oldest first.

    Paging by id guarantees the loop ends even if a row stays due (e.g. a clock
    that does not move).
    """
    query = (select(Notification)
             .where(Notification.status == "pending", Notification.next_attempt_at <= now,
                    Notification.id > after_id,
                    # Parts of a digest go out only inside one (digest.gather).
                    Notification.kind.notin_(digest.DIGESTED))
             .order_by(Notification.id).limit(limit)
             .options(selectinload(Notification.user))
             .with_for_update(skip_locked=True, of=Notification))
    return db.session.scalars(query).all()


def deliver(note, now):
    """One attempt; returns what happened: sent, retried, dead, skipped or deferred.
    A PermanentDeliveryError (a refused template, say) is dead at once."""
    channel = CHANNELS[note.channel]
    address = channel.address(note.user) if note.user.active else ""
    if not address:
        note.status, note.last_error = "skipped", f"no {note.channel} address"
        return "skipped"
    refusal = channel.refusal(note) if hasattr(channel, "refusal") else ""
    if refusal:  # e.g. no approved SMS template for this kind: never sent this way
        note.status, note.last_error = "skipped", refusal
        return "skipped"
    later = channel.defer_until(now)
    if later is not None:
        note.next_attempt_at = later  # quiet hours: not an attempt, just later
        return "deferred"
    note.attempts += 1
    try:
        channel.send(note, address)
    except Exception as exc:  # one bad message or gateway must not block the outbox
        return failed(note, now, exc)
    note.status, note.sent_at, note.last_error = "sent", now, ""
    return "sent"


def failed(note, now, exc):
    note.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    log.warning("notification %s via %s failed (attempt %s): %s", note.id, note.channel,
                note.attempts, note.last_error)
    if note.attempts >= MAX_ATTEMPTS or isinstance(exc, PermanentDeliveryError):
        note.status = "dead"
        return "dead"
    note.next_attempt_at = now + BACKOFF[min(note.attempts, len(BACKOFF)) - 1]
    return "retried"


def summary(counts):
    line = f"sent {counts['sent']}, retried {counts['retried']}, dead {counts['dead']}"
    extra = [f"{k} {counts[k]}" for k in ("skipped", "deferred", "digests", "told")
             if counts[k]]
    return ", ".join([line, *extra])


def run_forever(stop=None, poll_seconds=POLL_SECONDS):
    """Drain, wait a little, repeat; any number of these may run at once."""
    from workflow_app.scheduler.runner import process_logging, stop_on_sigterm

    stop = stop or threading.Event()
    process_logging()
    with stop_on_sigterm(stop):
        while not stop.is_set():
            _drain_logged()
            stop.wait(poll_seconds)


def _drain_logged():
    from workflow_app.operations.logs import run_scope

    try:
        with run_scope("dispatch"):  # the round's id on the rows it queues and its lines
            result = drain()
    except Exception:  # a lost database connection must not end the process
        db.session.rollback()
        log.exception("outbox drain failed; retrying")
        return
    if result != "sent 0, retried 0, dead 0":
        log.info("outbox: %s", result)

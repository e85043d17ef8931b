"""One message per reviewer per hour for the reports waiting for them (issue 11).

Transitions still queue one `review_waiting` row per recipient and channel, and nothing
more: no query per transition for who was told lately. The dispatcher never delivers
those rows (parts) alone; it gathers them per recipient and channel into one
`review_digest` row ("有 10 份报告待您审核", linking to the queue) and delivers that like
any other message (retries, quiet hours). Exactly once, across dispatchers and restarts:
- a dispatcher holds the recipient's row while it gathers their parts (another one
  skips that person), and claims the parts FOR UPDATE SKIP LOCKED; a digest and the
  parts it marks `merged` are written in one transaction, so a crash leaves both or
  neither;
- a digest's dedup key names recipient, channel and hour: a second digest in the hour
  is refused by the unique index, and its parts wait for the next hour.
A part is gathered SETTLE after it was queued, so a burst of submissions makes one
digest. Parts whose report no longer waits for that person are dropped, not counted.
"""

import re
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people.models import User

DIGESTED = ("review_waiting",)
DIGEST_KIND = "review_digest"
SETTLE = timedelta(minutes=10)
QUEUE_LINK = "/tasks"
ITEM_LINK = re.compile(r"/assessments/(\d+)$")


def gather(now):
    """Merge the due parts into digests; returns the number of digests queued."""
    pairs = db.session.execute(
        select(Notification.user_id, Notification.channel).where(
            Notification.status == "pending", Notification.kind.in_(DIGESTED),
            Notification.next_attempt_at <= now, Notification.created_at <= now - SETTLE)
        .distinct().order_by(Notification.user_id, Notification.channel)).all()
    return sum(_digest(user_id, channel, now) for user_id, channel in pairs)


def _digest(user_id, channel, now):
    if not _hold_recipient(user_id):
        return 0  # another dispatcher is gathering this person's parts
    parts = db.session.scalars(select(Notification).where(
        Notification.user_id == user_id, Notification.channel == channel,
        Notification.status == "pending", Notification.kind.in_(DIGESTED))
        .order_by(Notification.id).with_for_update(skip_locked=True, of=Notification)).all()
    if not parts:
        return 0  # another dispatcher holds them
    waiting = still_waiting(parts[0].user, parts)
    for part in parts:
        if part not in waiting:
            part.status, part.last_error = "skipped", "no longer waiting"
    if not waiting:
        return 0
    digest_id = _insert_digest(parts[0].user, channel, len(item_ids(waiting)), now)
    for part in waiting:
        if digest_id is None:
            part.next_attempt_at = next_hour(now)  # this hour's digest went out already
        else:
            part.status, part.digest_id = "merged", digest_id
    return int(digest_id is not None)


def _hold_recipient(user_id):
    """One dispatcher gathers a person's parts at a time. Claiming the parts alone
    (SKIP LOCKED) let two dispatchers split them, and the second digest of the hour was
    refused: "1 report waiting" where 10 were. The recipient's row is held (FOR NO KEY
    UPDATE: new notifications for them still go in) until the digest commits; the same
    transaction holds it again for the person's other channels. SQLite: one writer."""
    return db.session.execute(select(User.id).where(User.id == user_id).with_for_update(
        skip_locked=True, key_share=True)).first() is not None


def item_id(note):
    match = ITEM_LINK.search(note.link or "")
    return int(match.group(1)) if match else None


def item_ids(notes):
    return {i for i in map(item_id, notes) if i is not None}


def still_waiting(user, notes):
    """The notes whose item is still in `user`'s queue."""
    from workflow_app.assessments.queue import waiting_among

    waiting = waiting_among(user, item_ids(notes))
    return [n for n in notes if item_id(n) in waiting]


def next_hour(now):
    return now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)


def _insert_digest(user, channel, count, now):
    """The new digest's id, or None when this hour's digest exists (the unique key)."""
    from workflow_app.notifications.services import _insert, sms_params

    subject, body = texts(user, count)
    ids = _insert([{"user_id": user.id, "channel": channel, "kind": DIGEST_KIND,
                    "dedup_key": f"digest:{user.id}:{channel}:{now:%Y%m%d%H}",
                    "subject": subject[:200], "body": body, "link": QUEUE_LINK,
                    "params": sms_params(channel, {"count": count})}])
    return ids[0] if ids else None


def texts(user, count):
    """Subject and body in the recipient's language; the body is short enough for SMS."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        subject = gettext("Reports waiting for your review: %(n)d", n=count)
        body = gettext("Reports waiting for your review: %(n)d. Please open My tasks.",
                       n=count)
    return str(subject), str(body)


# In-app reminders about one item that only its reader can act on.
RETIRED_WITH_ITEM = ("review_overdue", "objection_raised")
CHUNK = 500


def retire_handled(now):
    """Mark done (read) the unread in-app messages about work that no longer waits for
    their reader: digests none of whose reports still waits, and item reminders. One
    queue query per reader; returns the number of messages marked."""
    notes = db.session.scalars(select(Notification).where(
        Notification.kind.in_((DIGEST_KIND, *RETIRED_WITH_ITEM)),
        Notification.read_at.is_(None), Notification.channel == "in_app",
        Notification.status == "sent").order_by(Notification.id)).all()
    parts = _parts_of([n.id for n in notes if n.kind == DIGEST_KIND])
    by_user = {}
    for note in notes:
        by_user.setdefault(note.user_id, []).append(note)
    return sum(_retire(mine, parts, now) for mine in by_user.values())


def _retire(notes, parts, now):
    from workflow_app.assessments.queue import waiting_among

    about = {n.id: parts.get(n.id, set()) if n.kind == DIGEST_KIND else item_ids([n])
             for n in notes}
    waiting = waiting_among(notes[0].user, set().union(*about.values()))
    done = [n for n in notes if not about[n.id] & waiting]
    for note in done:
        note.read_at = now
    return len(done)


def _parts_of(digest_ids):
    """{digest id: the item ids of its parts}."""
    found = {}
    for start in range(0, len(digest_ids), CHUNK):
        rows = db.session.execute(select(Notification.digest_id, Notification.link).where(
            Notification.digest_id.in_(digest_ids[start:start + CHUNK])))
        for digest_id, link in rows:
            match = ITEM_LINK.search(link or "")
            if match:
                found.setdefault(digest_id, set()).add(int(match.group(1)))
    return found

"""Queueing notifications into the outbox (never sending: the dispatcher does that).

Who gets a message and on which channels:
- in-app always (it cannot be turned off);
- email when the user has an address, SMS for deadline reminders when they have a
  phone number, DingTalk or WeCom work notices when the deployment has configured the
  app and the user has an id there; each user may turn these off (or SMS on) per kind,
  except
  for the MANDATORY kinds, which always go out on their default channels;
- what a reviewer must act on goes to their substitute while they are away
  (people.substitutes), marked as standing in for them.
"""

import json

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, any_, cast, event, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from workflow_app.clock import utcnow
from workflow_app.extensions import db
from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.models import Notification, NotificationPreference
from workflow_app.notifications.workapps import offered_work_apps, work_app_id
from workflow_app.operations.logs import current_request_id

# Deadline and result notices people must not miss: email/SMS cannot be turned off.
MANDATORY = frozenset({"submit_due_today", "sent_back", "published", "review_escalated"})
OPTIONAL_CHANNELS = ("email", "sms")
# Kinds that ask the recipient to act on a review: they follow a substitution.
ROUTED = frozenset({"review_waiting", "review_overdue", "review_escalated", "objection_raised"})
STANDING_IN = _l("[for %(name)s] ")


def channels_for(user, mandatory=True, apps=None):
    """In-app always; email when the user has an address; the configured work apps
    (`apps`, read from the config when not given) where the user has an id. SMS is for
    reminders."""
    out = ["in_app"]
    if user.email:
        out.append("email")
    apps = offered_work_apps() if apps is None else apps
    return out + [c for c in apps if work_app_id(user, c)]


def optional_channels(apps=None):
    """The channels a user may choose per kind: email, SMS and the configured work apps."""
    return OPTIONAL_CHANNELS + (offered_work_apps() if apps is None else apps)


def render(kind, user, params):
    subject, body = _templates(kind, _locale(user))
    return subject % params, body % params


_TEMPLATES = {}


def _templates(kind, locale):
    """The kind's subject and body in `locale`, translated once per app and locale:
    force_locale costs a catalogue look-up and locale parsing each time, which adds up
    over 50,000 notices."""
    key = (id(current_app._get_current_object()), kind, locale)
    if key not in _TEMPLATES:
        subject, body = KINDS[kind]
        with force_locale(locale):
            _TEMPLATES[key] = (str(subject), str(body))
    return _TEMPLATES[key]


def _locale(user):
    return user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]


def queue(user, kind, params, *, key, link="", channels=None):
    """Queue one notification per channel; `key` makes a repeat a no-op.

    The dedup key is unique in the database: the rows go in with one
    INSERT … ON CONFLICT DO NOTHING, so a repeat (in this transaction or a concurrent
    one) adds nothing, and no existence query is needed per key.
    Returns the notifications added.
    """
    return queue_many([(user, kind, params, key, link, channels)])


def queue_many(items, load=True):
    """Queue [(user, kind, params, key, link, channels)] with one INSERT per chunk.

    Bulk callers (opening a cycle, a batch decision, reminder jobs) queue thousands at
    once: preferences and substitutions are read in a few queries, equal messages are
    rendered once, and the rows are written together. Returns the notifications added
    (loaded into the session), or only their ids when `load` is false.
    """
    users = {u.id: u for u, *_ in items}
    prefetch_preferences(users.values())
    rows, seen, rendered = [], _pending_keys(), {}
    apps = offered_work_apps()  # read from the config once, not per recipient
    for user, kind, params, key, link, channels in items:
        params = {k: str(v) for k, v in params.items()}
        for recipient, absent in _recipients(user, kind):
            wanted = channels if channels is not None and absent is None else None
            rows += _rows_for(recipient, kind, params, key, link,
                              wanted or channels_for(recipient, apps=apps), absent, seen,
                              rendered, apps)
    ids = _insert(rows)
    if not load or not ids:
        return ids
    notes = []
    for start in range(0, len(ids), INSERT_CHUNK):
        notes += db.session.scalars(select(Notification).where(
            Notification.id.in_(ids[start:start + INSERT_CHUNK])).order_by(Notification.id))
    return notes


def _recipients(user, kind):
    """[(recipient, absent user or None)]: the substitutes of an absent reviewer."""
    if kind in ROUTED:
        from workflow_app.people.substitutes import substitutes_of

        standing_in = substitutes_of(user, utcnow())
        if standing_in:
            return [(s, user) for s in standing_in]
    return [(user, None)]


def _rows_for(user, kind, params, key, link, channels, absent, seen, rendered, apps):
    memo = (kind, _locale(user), tuple(sorted(params.items())))
    if memo not in rendered:
        rendered[memo] = render(kind, user, params)
    subject, body = rendered[memo]
    if absent is not None:
        with force_locale(_locale(user)):
            subject = str(STANDING_IN % {"name": absent.display_name}) + subject
    rows = []
    for channel in effective_channels(user, kind, channels, apps):
        dedup = f"{key}:{user.id}:{channel}"
        if seen.get(dedup):
            continue
        seen[dedup] = True
        rows.append({"user_id": user.id, "channel": channel, "kind": kind,
                     "dedup_key": dedup, "subject": subject[:200], "body": body,
                     "link": link, "params": sms_params(channel, params)})
    return rows


def sms_params(channel, params):
    """The parameters an SMS template is filled with (JSON); other channels keep none."""
    return json.dumps(params, ensure_ascii=False, sort_keys=True) if channel == "sms" else ""


INSERT_CHUNK = 1000
MULTI_VALUES_FROM = 50
COPY_FROM = 2000


def _insert(rows):
    """INSERT … ON CONFLICT (dedup_key) DO NOTHING; the ids of the rows actually added."""
    if not rows:
        return []
    db.session.flush()  # the recipients' rows exist before their notifications
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    now, rid = utcnow(), current_request_id()  # the request or run queueing them
    added = []
    # A few rows (a transition): one cached statement run as executemany. Many rows on
    # PostgreSQL (a cycle opening, a batch): one unnest INSERT per chunk.
    if dialect == "postgresql" and len(rows) > COPY_FROM:
        return sorted(_insert_copy(rows, now, rid))
    stmt = (insert(Notification.__table__).on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Notification.__table__.c.id))
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = [r | {
            "status": "pending", "attempts": 0, "last_error": "", "next_attempt_at": now,
            "created_at": now, "request_id": rid} for r in rows[start:start + INSERT_CHUNK]]
        if dialect == "postgresql" and len(chunk) > MULTI_VALUES_FROM:
            added += _insert_pg(chunk, now, rid)
        else:
            added += db.session.scalars(stmt, chunk).all()
    return sorted(added)


_UNNEST = text(
    "INSERT INTO notification (user_id, channel, kind, dedup_key, subject, body, link, "
    "params, status, attempts, last_error, next_attempt_at, created_at, request_id) "
    "SELECT v.u, v.c, v.k, v.d, v.s, v.b, v.l, v.p, 'pending', 0, '', :now, :now, "
    "CAST(:rid AS varchar) "
    "FROM unnest(CAST(:u AS integer[]), CAST(:c AS varchar[]), CAST(:k AS varchar[]), "
    "CAST(:d AS varchar[]), CAST(:s AS varchar[]), CAST(:b AS text[]), "
    "CAST(:l AS varchar[]), CAST(:p AS text[])) AS v(u, c, k, d, s, b, l, p) "
    "ON CONFLICT (dedup_key) DO NOTHING RETURNING id")


def _insert_pg(chunk, now, rid):
    """Many rows in one statement with eight array parameters: psycopg runs an
    executemany with RETURNING as one statement per row, and a VALUES list of 12,000
    parameters costs more to build than to run."""
    return db.session.scalars(_UNNEST, {
        "now": now, "rid": rid, "u": [r["user_id"] for r in chunk],
        "c": [r["channel"] for r in chunk],
        "k": [r["kind"] for r in chunk], "d": [r["dedup_key"] for r in chunk],
        "s": [r["subject"] for r in chunk], "b": [r["body"] for r in chunk],
        "l": [r["link"] for r in chunk], "p": [r.get("params", "") for r in chunk]}).all()


_COPIED = ("user_id", "channel", "kind", "dedup_key", "subject", "body", "link", "params")


def _insert_copy(rows, now, rid):
    """Tens of thousands of rows (a cycle opening): COPY into a temporary table, then
    one INSERT … SELECT … ON CONFLICT DO NOTHING, so a key already queued (here or by a
    concurrent transaction) still adds nothing. Four statements whatever the count."""
    from workflow_app.bulk import copy_rows

    db.session.execute(text(
        "CREATE TEMPORARY TABLE notification_in (n serial, user_id integer, "
        "channel varchar, kind varchar, dedup_key varchar, subject varchar, body text, "
        "link varchar, params text) ON COMMIT DROP"))
    copy_rows("notification_in", _COPIED, [tuple(r.get(c, "") for c in _COPIED) for r in rows])
    added = db.session.scalars(text(
        "INSERT INTO notification (user_id, channel, kind, dedup_key, subject, body, link, "
        "params, status, attempts, last_error, next_attempt_at, created_at, request_id) "
        f"SELECT {', '.join(_COPIED)}, 'pending', 0, '', :now, :now, CAST(:rid AS varchar) "
        "FROM notification_in ORDER BY n ON CONFLICT (dedup_key) DO NOTHING RETURNING id"),
        {"now": now, "rid": rid}).all()
    db.session.execute(text("DROP TABLE notification_in"))
    return added


def effective_channels(user, kind, channels, apps=None):
    """`channels` after the user's choices: optional channels on or off per kind."""
    choices = preferences(user)
    out = [c for c in channels if c == "in_app" or kind in MANDATORY
           or choices.get((kind, c), True)]
    for channel in optional_channels(apps):
        if choices.get((kind, channel)) and channel not in out and address_of(user, channel):
            out.append(channel)
    return out


def address_of(user, channel):
    """The user's address on an offered channel (work apps: only ever asked of the
    configured ones, see optional_channels)."""
    if channel in ("dingtalk", "wecom"):
        return work_app_id(user, channel)
    return user.email if channel == "email" else user.phone


def preferences(user):
    """{(kind, channel): enabled} the user has chosen, cached for the transaction."""
    cache = db.session.info.setdefault("notification_prefs", {})
    if user.id not in cache:
        prefetch_preferences([user])
    return cache[user.id]


def prefetch_preferences(users, chunk=500):
    """Read the choices of many users at once into the transaction's cache: one query
    on PostgreSQL (the ids as one array), one per `chunk` elsewhere (SQLite's limit on
    bound parameters)."""
    cache = db.session.info.setdefault("notification_prefs", {})
    todo = [u.id for u in users if u.id not in cache]
    if db.session.get_bind().dialect.name == "postgresql":
        chunk = max(len(todo), 1)
    for start in range(0, len(todo), chunk):
        ids = todo[start:start + chunk]
        for i in ids:
            cache[i] = {}
        for uid, k, c, e in db.session.execute(_preferences_of(ids)):
            cache[uid][(k, c)] = e


def _preferences_of(ids):
    p_ = NotificationPreference
    match = (p_.user_id == any_(cast(ids, ARRAY(Integer)))
             if db.session.get_bind().dialect.name == "postgresql" else p_.user_id.in_(ids))
    return select(p_.user_id, p_.kind, p_.channel, p_.enabled).where(match)


def _pending_keys():
    return db.session.info.setdefault("queued_dedup_keys", {})


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_preferences(session):
    session.info.pop("notification_prefs", None)

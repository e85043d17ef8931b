"""What the DingTalk, 专有钉钉 and WeCom channel tests share: people given their work-app
ids with fresh token caches and limits, a cycle-opened notice queued, the dispatcher's
summary read as numbers."""

from workflow_app.extensions import db
from workflow_app.notifications.services import queue
from workflow_app.notifications.workapps import LIMITS, TOKENS

CYCLE = "2026年第一季度平时考核"


def give_ids(app, world, field, ids):
    """Each named user's id on the work app, no token or limit left from another test;
    the notices' email copies go to the log."""
    TOKENS.clear()
    LIMITS.clear()
    for name, value in ids.items():
        setattr(world.users[name], field, value)
    db.session.commit()
    app.config["SMTP_HOST"] = "log:"


def queue_opened(channel, user, key, channels=None, link="/my", cycle=CYCLE):
    """Queue a cycle-opened notice to `user`; its rows on `channel`."""
    added = queue(user, "cycle_opened", {"cycle": cycle, "deadline": "04-15 17:30"},
                  key=key, link=link, channels=channels)
    db.session.commit()
    return [n for n in added if n.channel == channel]


def counts(summary):
    """"sent 3, retried 0, dead 0, skipped 1" as {"sent": 3, …}."""
    return {k: int(n) for n, k in (part.split()[::-1] for part in summary.split(", "))}


def status_of(note):
    db.session.refresh(note)
    return note.status

"""Login throttling, per (account, address) and per account across addresses.

- A pair (account, client address) gets LOGIN_MAX_FAILURES guesses per window: an
  attacker hammering from one address locks only that pair, so the owner still logs
  in from another address, and a flood from one address never blocks another account
  (there is no address-only limit: an office behind one NAT keeps working).
- An account gets LOGIN_ACCOUNT_MAX_FAILURES guesses per window from all addresses
  together (a higher cap, against guessing spread over many addresses); an org_admin
  can lift it (unlock_login).

The limit is atomic: each attempt is recorded and committed BEFORE its password is
checked, and only then are the rows counted. Of a burst of parallel attempts the k-th
to commit sees at least k rows, so at most the cap of them get their password checked.
A refused attempt removes its rows again, so refusals do not extend the account lock.
"""

import random
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from workflow_app.clock import utcnow
from workflow_app.errors import DomainError
from workflow_app.extensions import db
from workflow_app.people.models import LoginFailure

PAIR, ACCOUNT = "pair:", "acct:"
# About one attempt in this many also deletes rows older than the window, so a flood of
# made-up usernames cannot grow the table without bound.
PURGE_EVERY = 100


class TooManyAttempts(DomainError):
    status, code = 429, "too_many_attempts"
    default_message = _l("Too many failed logins. Please wait 15 minutes and try again.")


class AccountLocked(TooManyAttempts):
    code = "account_locked"
    default_message = _l("Too many failed logins for this account: it is locked for 15 "
                         "minutes. An administrator can unlock it.")


@dataclass
class Attempt:
    keys: dict
    row_ids: list = field(default_factory=list)


def account_name(username):
    return (username or "").strip().lower()[:80]


def _pair_prefix(name):
    return f"{PAIR}{name}\n"


def _keys(username, client_addr):
    name = account_name(username)
    return {"pair": f"{_pair_prefix(name)}{(client_addr or '-')[:64]}",
            "account": f"{ACCOUNT}{name}"}


def _caps():
    cfg = current_app.config
    return {"pair": cfg["LOGIN_MAX_FAILURES"], "account": cfg["LOGIN_ACCOUNT_MAX_FAILURES"]}


def _window_start():
    return utcnow() - timedelta(seconds=current_app.config["LOGIN_WINDOW_SECONDS"])


def _count(key):
    return db.session.scalar(select(func.count()).select_from(LoginFailure)
                             .where(LoginFailure.key == key, LoginFailure.at >= _window_start()))


def reserve_attempt(username, client_addr):
    """Record one attempt and allow it only within both caps. Commits the session."""
    attempt = Attempt(_keys(username, client_addr))
    if random.randrange(PURGE_EVERY) == 0:
        _delete(LoginFailure.at < _window_start())
    rows = [LoginFailure(key=k, at=utcnow()) for k in attempt.keys.values()]
    db.session.add_all(rows)
    db.session.flush()
    attempt.row_ids = [r.id for r in rows]
    db.session.commit()
    caps = _caps()
    over = [kind for kind, key in attempt.keys.items() if _count(key) > caps[kind]]
    if over:
        _forget(attempt.row_ids)
        db.session.commit()
        raise AccountLocked() if "account" in over else TooManyAttempts()
    return attempt


def attempt_succeeded(attempt):
    """The right password: this attempt and the pair's earlier typos stop counting.

    The account-wide rows stay (they expire with the window): a success must not give
    guesses spread over other addresses a fresh budget. The caller commits.
    """
    _forget(attempt.row_ids)
    _delete(LoginFailure.key == attempt.keys["pair"])


def _forget(row_ids):
    _delete(LoginFailure.id.in_(row_ids))


def _delete(condition):
    return db.session.execute(delete(LoginFailure).where(condition),
                              execution_options={"synchronize_session": False}).rowcount


def lock_state(username):
    """What the admin page shows: failures in the window, and what is locked."""
    name, start, caps = account_name(username), _window_start(), _caps()
    failures = _count(f"{ACCOUNT}{name}")
    prefix = _pair_prefix(name)
    per_pair = db.session.execute(
        select(LoginFailure.key, func.count()).where(
            func.substr(LoginFailure.key, 1, len(prefix)) == prefix, LoginFailure.at >= start)
        .group_by(LoginFailure.key)).all()
    addresses = sorted(key[len(prefix):] for key, n in per_pair if n >= caps["pair"])
    return {"failures": failures, "account_locked": failures >= caps["account"],
            "locked_addresses": addresses}


def clear_failures(username):
    """Lift every lock of the account (all addresses); returns how many rows went."""
    name = account_name(username)
    prefix = _pair_prefix(name)
    return _delete((LoginFailure.key == f"{ACCOUNT}{name}")
                   | (func.substr(LoginFailure.key, 1, len(prefix)) == prefix))

"""Recording the 星级榜: stars earned per subject and dimension, 减星 and their withdrawal.

Each service takes the acting user, checks the permission first (showcase/access.py),
then the input, writes one audit entry on the board's chain ("showcase_board") and
does not commit: the view, API handler or CLI that called it commits once.
"""

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from workflow_app.audit.services import record
from workflow_app.clock import utcnow
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN, SECRETARY
from workflow_app.people.scope import administers
from workflow_app.security.inputs import to_int
from workflow_app.showcase.access import can_record_stars
from workflow_app.showcase.models import (
    NOTE_LIMIT,
    REASON_LIMIT,
    ShowcaseBoard,
    ShowcaseEntry,
    StarChange,
    StarDeduction,
)
from workflow_app.showcase.rules import DEDUCTION_KINDS, DIMENSIONS, max_stars, parse_period
from workflow_app.validation import optional_text, require_text
from workflow_app.workcalendar import today_local

ALREADY_DONE = _l("Someone else recorded stars on this board at the same moment; "
                  "reload and try again.")


def get_unit(unit_id):
    unit = db.session.get(OrgUnit, unit_id)
    if unit is None:
        raise NotFound()
    return unit


def get_period(code):
    period = parse_period(code)
    if period is None:
        raise NotFound()
    return period


def find_board(unit, period):
    return db.session.scalar(select(ShowcaseBoard).where(
        ShowcaseBoard.org_unit_id == unit.id, ShowcaseBoard.period == period.code))


def _board(unit, period):
    board = find_board(unit, period)
    if board is None:
        board = ShowcaseBoard(org_unit_id=unit.id, period=period.code)
        board.org_unit = unit
        db.session.add(board)
        _flush()
    return board


def _flush():
    try:
        db.session.flush()
    except IntegrityError:  # the same board or entry created by someone else just now
        raise Conflict(ALREADY_DONE, code="already_handled") from None


def resolve_subject(unit, kind, subject_id):
    """(kind, User or OrgUnit): a person whose own unit is `unit`, or a child unit."""
    if kind == "person":
        found = db.session.get(User, subject_id) if subject_id else None
        if found is None or found.org_unit_id != unit.id:
            raise Invalid(fields={"subject": "not_in_unit"})
    elif kind == "department":
        found = db.session.get(OrgUnit, subject_id) if subject_id else None
        if found is None or found.parent_id != unit.id:
            raise Invalid(fields={"subject": "not_in_unit"})
    else:
        raise Invalid(fields={"subject": "required"})
    return kind, found


def _entry(board, subject, dimension):
    kind, found = subject
    column = ShowcaseEntry.subject_user_id if kind == "person" else ShowcaseEntry.subject_unit_id
    entry = db.session.scalar(select(ShowcaseEntry).where(
        ShowcaseEntry.board_id == board.id, column == found.id,
        ShowcaseEntry.dimension == dimension).with_for_update())
    if entry is None:
        entry = ShowcaseEntry(board_id=board.id, dimension=dimension, earned=0, deducted=0,
                              shown=0, **{column.key: found.id})
        db.session.add(entry)
        _flush()
    return entry


def _check_recorder(actor, unit, subject=None):
    if not can_record_stars(actor, unit):
        raise NotAllowed()
    if subject and subject[0] == "person" and subject[1].id == actor.id:
        raise NotAllowed(_l("Nobody records stars for themselves."), code="own_stars")


def _role(actor, unit):
    return ORG_ADMIN if administers(actor, unit) else SECRETARY


def _dimension(value):
    if value not in DIMENSIONS:
        raise Invalid(fields={"dimension": "required" if not value else "unknown"})
    return value


def _stars(value, low, high):
    if isinstance(value, str):  # a form's text: a number, or left as it is to be refused
        number = to_int(value, 0, 10**6)
        value = value if number is None else number
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(fields={"stars": "not_a_number"})
    if not low <= value <= high:
        raise Invalid(fields={"stars": "out_of_range"})
    return value


def _day(value, period):
    """The date the stars count on: given (inside the period) or today, kept inside."""
    if value in (None, ""):
        return period.clamp(today_local(utcnow()))
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value.strip())
        except ValueError:
            raise Invalid(fields={"on": "not_a_date"}) from None
    if not period.contains(value):
        raise Invalid(fields={"on": "outside_period"})
    return value


def _settle(entry, earned=None):
    """deducted from the 减星 still standing; shown = earned − deducted, at least 0. The
    recording rows are written first, then the entry's three columns together (the
    database checks they agree)."""
    db.session.flush()
    entry.deducted = db.session.scalar(select(func.coalesce(func.sum(StarDeduction.stars), 0))
                                       .where(StarDeduction.entry_id == entry.id,
                                              StarDeduction.withdrawn_at.is_(None)))
    if earned is not None:
        entry.earned = earned
    entry.shown = max(entry.earned - entry.deducted, 0)
    entry.updated_at = utcnow()


def _subject_data(subject, dimension):
    return {"subject": subject[0], "subject_id": subject[1].id, "dimension": dimension}


def set_stars(actor, unit, period, subject, dimension, stars, *, note="", on=None):
    """The stars `subject` has earned on `dimension` this period (0..max), as of `on`.

    `subject` is ("person" | "department", id). Recording the same number again
    changes nothing and writes nothing."""
    _check_recorder(actor, unit)
    subject = resolve_subject(unit, *subject)
    _check_recorder(actor, unit, subject)
    dimension = _dimension(dimension)
    stars = _stars(stars, 0, max_stars())
    note = optional_text("note", note, NOTE_LIMIT)
    day = _day(on, period)
    entry = _entry(_board(unit, period), subject, dimension)
    if entry.earned == stars:
        return entry
    db.session.add(StarChange(entry_id=entry.id, stars_before=entry.earned, stars_after=stars,
                              note=note, on_date=day, recorded_by_id=actor.id))
    _settle(entry, earned=stars)
    record("showcase_board", entry.board_id, "set_stars", actor=actor,
           actor_role=_role(actor, unit), comment=note,
           data={**_subject_data(subject, dimension), "stars": stars, "on": day.isoformat()})
    return entry


def deduct_stars(actor, unit, period, subject, dimension, stars, kind, reason, *, on=None):
    """减星: take `stars` from `subject` on `dimension`, for a missed target or a notice of
    criticism; the reason is required and shown on the board and in the 周通报."""
    _check_recorder(actor, unit)
    subject = resolve_subject(unit, *subject)
    _check_recorder(actor, unit, subject)
    dimension = _dimension(dimension)
    stars = _stars(stars, 1, max_stars())
    if kind not in DEDUCTION_KINDS:
        raise Invalid(fields={"kind": "required" if not kind else "unknown"})
    reason = require_text("reason", reason, REASON_LIMIT)
    day = _day(on, period)
    entry = _entry(_board(unit, period), subject, dimension)
    deduction = StarDeduction(entry_id=entry.id, stars=stars, kind=kind, reason=reason,
                              on_date=day, recorded_by_id=actor.id)
    db.session.add(deduction)
    _settle(entry)
    record("showcase_board", entry.board_id, "deduct_stars", actor=actor,
           actor_role=_role(actor, unit), comment=reason,
           data={**_subject_data(subject, dimension), "stars": stars, "kind": kind,
                 "on": day.isoformat()})
    return deduction


def get_deduction(deduction_id):
    deduction = db.session.get(StarDeduction, deduction_id)
    if deduction is None:
        raise NotFound()
    return deduction


def board_unit(board_id):
    return db.session.get(ShowcaseBoard, board_id).org_unit


def withdraw_deduction(actor, deduction, reason):
    """A 减星 recorded by mistake: withdrawn with a reason, kept on record."""
    unit = board_unit(deduction.entry.board_id)
    _check_recorder(actor, unit)
    if deduction.withdrawn_at is not None:
        raise WrongState(_l("This star deduction has already been withdrawn."),
                         code="already_withdrawn")
    deduction.withdraw_reason = require_text("reason", reason, REASON_LIMIT)
    deduction.withdrawn_at, deduction.withdrawn_by_id = utcnow(), actor.id
    _settle(deduction.entry)
    record("showcase_board", deduction.entry.board_id, "withdraw_deduction", actor=actor,
           actor_role=_role(actor, unit), comment=deduction.withdraw_reason,
           data={"deduction": deduction.id, "stars": deduction.stars})
    return deduction

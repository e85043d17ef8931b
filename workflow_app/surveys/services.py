"""Satisfaction surveys: creating them, issuing one-time links, answering, spot checks.

Surveys are per assessment: the residents or service users of a cadre's community
rate that cadre, and the rate feeds that cadre's score.

Answering is public and anonymous. The token is spent by one conditional UPDATE
(`WHERE NOT used`), so of two people using the same link at once exactly one gets
through; the answer is then stored with the survey, the choice, an optional comment
and the week, and nothing else. No audit entry and no log line is written for an
answer, because either would carry the token and the exact time.

What staff see, so that a clerk who handed out links cannot tell who answered what
by comparing pages over time:
- never which link was used (the print page and the SMS texts list every link);
- while the survey is open: links issued, and answers released so far — answers are
  released in batches of at least BATCH, so that total moves in steps of 5 — and the
  comments of released batches in alphabetical order; no counts per choice, no rate;
- once closed (by the org_admin, or by publication): everything, all comments. Only
  then does the rate feed grading.
Phone spot checks are counts entered by staff, not anonymous by design.
"""

import secrets
import uuid
from datetime import timedelta
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from workflow_app.assessments.permissions import PUBLIC_STATES, reads_aggregates, relations
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.scoring.ratings_rounds import ever_published_ids
from workflow_app.security.inputs import to_int
from workflow_app.surveys.models import (
    CHANNELS,
    CHOICES,
    SATISFIED,
    SatisfactionSurvey,
    SpotCheck,
    SurveyResponse,
    SurveyToken,
)
from workflow_app.workcalendar import LOCAL_TZ

MAX_TOKENS = 500
MAX_COMMENT = 500
BATCH = 5
UNKNOWN_LINK = _l("This survey link is not valid. Please check the address or ask the "
                  "staff who gave it to you.")
USED_LINK = _l("This survey link has already been used. Each link can be used only once. "
               "Thank you for taking part.")
CLOSED = _l("This survey has ended. Thank you for your interest.")


# --- permissions ---------------------------------------------------------------------------

def can_manage_survey(user, assessment):
    return "org_admin" in relations(user, assessment)


def can_view_survey_results(user, assessment):
    return reads_aggregates(user, assessment)


def is_open(survey):
    """Until closed by hand or by publication, for good (see ratings_rounds)."""
    if survey.closed_at is not None or survey.assessment.state in PUBLIC_STATES:
        return False
    return not ever_published_ids([survey.assessment_id])


# --- staff side ----------------------------------------------------------------------------

def survey_for(assessment):
    return db.session.scalar(select(SatisfactionSurvey)
                             .where(SatisfactionSurvey.assessment_id == assessment.id))


def create_survey(assessment, actor, now=None):
    """The assessment's survey; creating it twice creates nothing new."""
    if not can_manage_survey(actor, assessment):
        raise NotAllowed()
    survey = survey_for(assessment)
    if survey is None:
        survey = SatisfactionSurvey(assessment_id=assessment.id, created_by_id=actor.id,
                                    created_at=_at(now))
        db.session.add(survey)
        db.session.flush()
        record("survey", survey.id, "create", actor=actor, at=survey.created_at,
               data={"assessment_id": assessment.id})
    return survey


def get_survey(survey_id, user):
    survey = db.session.get(SatisfactionSurvey, survey_id)
    if survey is None:
        raise NotFound()
    if not can_view_survey_results(user, survey.assessment):
        raise NotAllowed()
    return survey


def issue_tokens(survey, actor, n, channel="qr", now=None):
    """`n` new one-time links (1–500) for printing as QR codes or sending by SMS."""
    _check_manage(survey, actor)
    if isinstance(n, bool) or not isinstance(n, int):
        raise Invalid(fields={"count": "not_a_number"})
    if not 1 <= n <= MAX_TOKENS:
        raise Invalid(fields={"count": "out_of_range"})
    if channel not in CHANNELS:
        raise Invalid(fields={"channel": "unknown"})
    at = _at(now)
    tokens = [SurveyToken(survey_id=survey.id, token=secrets.token_urlsafe(16),
                          channel=channel, created_at=at) for _ in range(n)]
    db.session.add_all(tokens)
    db.session.flush()
    record("survey", survey.id, "issue_tokens", actor=actor, at=at,
           data={"count": n, "channel": channel})
    return tokens


def all_tokens(survey, channel=None):
    """Every link of the survey, used or not: which one was used is nobody's to see."""
    query = select(SurveyToken).where(SurveyToken.survey_id == survey.id)
    if channel:
        query = query.where(SurveyToken.channel == channel)
    return db.session.scalars(query.order_by(SurveyToken.id)).all()


def record_spot_check(survey, actor, counts, note="", now=None):
    """电话抽查: how many called residents were satisfied, basically satisfied, not."""
    _check_manage(survey, actor)
    values, errors = {}, {}
    for name in CHOICES:
        value = counts.get(name, 0) if isinstance(counts, dict) else None
        value = value if to_int(value, 0, 100000) is None else to_int(value, 0, 100000)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100000:
            errors[name] = "not_a_number" if not isinstance(value, int) else "out_of_range"
        values[name] = value
    if not errors and not sum(values.values()):
        errors["satisfied"] = "required"
    if not isinstance(note, str | type(None)) or len(note or "") > 2000:
        errors["note"] = "too_long"
    if errors:
        raise Invalid(fields=errors)
    check = SpotCheck(survey_id=survey.id, note=(note or "").strip(), recorded_by_id=actor.id,
                      created_at=_at(now), **values)
    db.session.add(check)
    db.session.flush()
    record("survey", survey.id, "spot_check", actor=actor, at=check.created_at, data=values)
    return check


def close_survey(survey, actor, now=None):
    """End the survey (org_admin, audited): no more answers; everything is shown."""
    _check_manage(survey, actor)
    survey.closed_at, survey.closed_by_id = _at(now), actor.id
    db.session.flush()
    record("survey", survey.id, "close", actor=actor, at=survey.closed_at)
    return survey


def _check_manage(survey, actor):
    if not can_manage_survey(actor, survey.assessment):
        raise NotAllowed()
    if not is_open(survey):
        raise WrongState(CLOSED, code="survey_closed")


def _at(now):
    return as_utc(now) if now else utcnow()


# --- public side ---------------------------------------------------------------------------

def survey_by_token(token):
    """(token row, survey) for a link; NotFound for an unknown one. Marks nothing."""
    token = str(token)
    row = None if len(token) > 40 else db.session.scalar(
        select(SurveyToken).where(SurveyToken.token == token))
    if row is None:
        raise NotFound(UNKNOWN_LINK, code="unknown_token")
    return row, db.session.get(SatisfactionSurvey, row.survey_id)


def check_usable(token):
    """The survey behind a link that may still be answered, or the reason it may not."""
    row, survey = survey_by_token(token)
    if row.used:
        raise Conflict(USED_LINK, code="token_used")
    if not is_open(survey):
        raise WrongState(CLOSED, code="survey_closed")
    return survey


def answer_survey(token, answers, now=None):
    """Spend the link and store the anonymous answer. No user, no audit, no time."""
    survey = check_usable(token)
    choice, comment = _clean_answers(answers)
    day = _at(now).astimezone(LOCAL_TZ).date()
    spent = db.session.execute(
        update(SurveyToken).where(SurveyToken.token == token, SurveyToken.used.is_(False))
        .values(used=True).execution_options(synchronize_session=False))
    if spent.rowcount != 1:  # used a moment ago, in another request
        raise Conflict(USED_LINK, code="token_used")
    db.session.add(SurveyResponse(id=uuid.uuid4().hex, survey_id=survey.id, choice=choice,
                                  comment=comment, day=day - timedelta(days=day.weekday())))
    db.session.flush()
    _release_batch(survey)
    return survey


def _release_batch(survey):
    """Once BATCH answers wait unreleased, release them together as the next batch."""
    waiting = db.session.scalar(select(func.count()).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.batch.is_(None)))
    if waiting < BATCH:
        return
    last = db.session.scalar(select(func.max(SurveyResponse.batch)).where(
        SurveyResponse.survey_id == survey.id))
    db.session.execute(
        update(SurveyResponse).where(SurveyResponse.survey_id == survey.id,
                                     SurveyResponse.batch.is_(None))
        .values(batch=(last or 0) + 1).execution_options(synchronize_session=False))


def _clean_answers(answers):
    answers = answers if isinstance(answers, dict) else {}
    choice, comment = answers.get("choice"), answers.get("comment") or ""
    if choice in (None, ""):
        raise Invalid(fields={"choice": "required"})
    if choice not in CHOICES:
        raise Invalid(fields={"choice": "unknown"})
    if not isinstance(comment, str):
        raise Invalid(fields={"comment": "not_text"})
    if len(comment) > MAX_COMMENT:
        raise Invalid(fields={"comment": "too_long"})
    return choice, comment.strip()


# --- results -------------------------------------------------------------------------------

def closed_assessment_ids(assessment_ids):
    """The ids among `assessment_ids` whose survey is closed (by hand or by publication)."""
    if not assessment_ids:
        return set()
    with_survey = set(db.session.scalars(select(SatisfactionSurvey.assessment_id).where(
        SatisfactionSurvey.assessment_id.in_(assessment_ids))))
    closed = set(db.session.scalars(select(SatisfactionSurvey.assessment_id).where(
        SatisfactionSurvey.assessment_id.in_(assessment_ids),
        SatisfactionSurvey.closed_at.is_not(None))))
    return closed | (ever_published_ids(list(with_survey - closed)) & with_survey)


def choice_counts(assessment_ids):
    """{assessment_id: {choice: n}}, answers and spot checks added together.

    Raw counts, for closed surveys and for tests; staff pages go through survey_summary."""
    counts = {aid: dict.fromkeys(CHOICES, 0) for aid in assessment_ids}
    if not assessment_ids:
        return counts
    answered = db.session.execute(
        select(SatisfactionSurvey.assessment_id, SurveyResponse.choice, func.count())
        .join(SurveyResponse, SurveyResponse.survey_id == SatisfactionSurvey.id)
        .where(SatisfactionSurvey.assessment_id.in_(assessment_ids))
        .group_by(SatisfactionSurvey.assessment_id, SurveyResponse.choice))
    for aid, choice, n in answered:
        counts[aid][choice] += n
    checked = db.session.execute(
        select(SatisfactionSurvey.assessment_id,
               *[func.sum(getattr(SpotCheck, c)) for c in CHOICES])
        .join(SpotCheck, SpotCheck.survey_id == SatisfactionSurvey.id)
        .where(SatisfactionSurvey.assessment_id.in_(assessment_ids))
        .group_by(SatisfactionSurvey.assessment_id))
    for aid, *sums in checked:
        for choice, n in zip(CHOICES, sums, strict=True):
            counts[aid][choice] += int(n or 0)
    return counts


def satisfaction_rate(counts):
    """Satisfied answers / all answers (spot checks included); None without answers."""
    total = sum(counts.values())
    if not total:
        return None
    return Decimal(sum(counts[c] for c in SATISFIED)) / Decimal(total)


def satisfaction_rates(assessment_ids):
    """{assessment_id: rate or None}: only closed surveys have a rate (grading input)."""
    closed = list(closed_assessment_ids(assessment_ids))
    rates = {aid: satisfaction_rate(c) for aid, c in choice_counts(closed).items()}
    return {aid: rates.get(aid) for aid in assessment_ids}


def survey_summary(survey):
    """What staff and the API see: totals only; per choice and the rate once closed."""
    issued = db.session.scalar(select(func.count()).where(SurveyToken.survey_id == survey.id))
    body = {"id": survey.id, "assessment_id": survey.assessment_id, "links_issued": issued,
            "open": is_open(survey), "batch_size": BATCH, "counts": None, "rate": None,
            "spot_checks": _spot_check_total(survey)}
    if body["open"]:
        body["answered"] = _released_answers(survey)
        return body
    counts = choice_counts([survey.assessment_id])[survey.assessment_id]
    rate = satisfaction_rate(counts)
    body.update(answered=_all_answers(survey), counts=counts,
                rate=None if rate is None else float(round(rate, 4)))
    return body


def _released_answers(survey):
    return db.session.scalar(select(func.count()).where(
        SurveyResponse.survey_id == survey.id, SurveyResponse.batch.is_not(None)))


def _all_answers(survey):
    return db.session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id))


def _spot_check_total(survey):
    """Calls entered by staff: not anonymous by design, so shown exactly."""
    total = db.session.scalar(
        select(func.sum(SpotCheck.satisfied + SpotCheck.basically_satisfied
                        + SpotCheck.dissatisfied)).where(SpotCheck.survey_id == survey.id))
    return int(total or 0)


def results_for(assessment):
    """Used by views: the survey of `assessment` (or None) and its summary."""
    survey = survey_for(assessment)
    return survey, (survey_summary(survey) if survey is not None else None)


def survey_comments(survey, actor):
    """The residents' comments for staff, in alphabetical order (never in answer order):
    while open only those of released batches, once closed all of them."""
    if not can_manage_survey(actor, survey.assessment):
        raise NotAllowed()
    query = select(SurveyResponse.comment).where(SurveyResponse.survey_id == survey.id,
                                                 SurveyResponse.comment != "")
    if is_open(survey):
        query = query.where(SurveyResponse.batch.is_not(None))
    return sorted(db.session.scalars(query).all())

"""Changing assessments: saving the report and firing workflow events.

Services take the acting user, never read the request, and never commit: the
view, API handler, CLI command or job that called them commits once.
"""

from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from workflow_app import limits
from workflow_app.assessments import committee, effects, fanout
from workflow_app.assessments.deadlines import due_for
from workflow_app.assessments.guards import MESSAGES, Guards
from workflow_app.assessments.models import Assessment, CommitteeVote, SelfReport
from workflow_app.assessments.permissions import can_view, relations, standing_in_for
from workflow_app.assessments.report import clean_content, missing_fields
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.services import GENESIS, head_mac, make_entry
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.actuals import strip_imported
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound, StaleVersion, WrongState
from workflow_app.extensions import db
from workflow_app.operations.metrics import count_transition
from workflow_app.people.models import User
from workflow_app.validation import parse_score
from workflows import GuardFailed, engine_for, get_workflow
from workflows.definition import REQUIRED

STALE_DRAFT = _l("This draft was changed in another window or on another device in the "
                 "meantime. What you typed is still here; save again to replace the other "
                 "version with it.")


# Loading an assessment joins its cycle, cadre, unit, current report and, at the committee
# stage, the round's votes and the recusals: one statement for all a transition reads.
# The cycle's unit list and the cadre's role grants are rarely needed on the way: they
# load only when touched.
LEAN = (joinedload(Assessment.cycle).lazyload(Cycle.org_units),
        joinedload(Assessment.cadre).lazyload(User.grants),
        joinedload(Assessment.current_report), joinedload(Assessment.recusal_rows),
        joinedload(Assessment.round_vote_rows).joinedload(CommitteeVote.member)
        .lazyload(User.grants))


def get_assessment(assessment_id, user):
    """Load an assessment the user may see: 404 when unknown, 403 when out of scope."""
    assessment = db.session.get(Assessment, assessment_id, options=LEAN)
    if assessment is None:
        raise NotFound()
    if not can_view(user, assessment):
        raise NotAllowed()
    return assessment


def current_report(assessment):
    joined = assessment.__dict__.get("current_report")
    if joined is not None:  # loaded with the assessment (LEAN); a send-back replaces it
        if joined.id is None:
            db.session.flush()  # the send-back's new draft, as a query would have flushed it
        return joined
    return db.session.scalar(
        select(SelfReport).where(SelfReport.assessment_id == assessment.id)
        .order_by(SelfReport.revision.desc()).limit(1))


def reports(assessment):
    return db.session.scalars(
        select(SelfReport).where(SelfReport.assessment_id == assessment.id)
        .order_by(SelfReport.revision)).all()


def save_report(assessment, actor, content, now=None, draft_version=None):
    """Save the draft. Only the cadre, only while drafting; anything typed is kept.

    `draft_version` is the draft the text was typed on: when another tab or device
    saved in between, the save is refused (409) instead of silently overwriting it.
    """
    if actor.id != assessment.cadre_id:
        raise NotAllowed()
    if assessment.state != "drafting":
        raise WrongState()
    report = current_report(assessment)
    # Figures a source office imported (数据同源) are never the cadre's to type: rows about
    # them are dropped, whatever was posted.
    cleaned = strip_imported(assessment, clean_content(content))
    expected = report.draft_version if draft_version is None else int(draft_version)
    result = db.session.execute(
        update(SelfReport)
        .where(SelfReport.id == report.id, SelfReport.draft_version == expected)
        .values(content=cleaned, draft_version=expected + 1,
                updated_at=as_utc(now) if now else utcnow())
        .execution_options(synchronize_session="evaluate"))
    if result.rowcount != 1:
        raise StaleVersion(STALE_DRAFT, code="stale_draft")
    return report


def fire_event(assessment, event, actor, *, comment=None, score=None, reason=None,
               version=None, client_addr="", now=None):
    """Fire `event` on `assessment` as `actor` (None: the scheduler).

    At the committee stage a member's approve is a vote: it is recorded and audited
    (action "committee_vote") and the state moves on only once the cycle's rule is met.
    """
    now = as_utc(now) if now else utcnow()
    rels = {"system"} if actor is None else relations(actor, assessment)
    engine = _check_can_try(assessment, event, actor, rels, version)
    candidates = engine.candidates(assessment.state, event)
    report = current_report(assessment)
    guards = Guards(assessment, report, now)
    params = _check_params(candidates[0], guards, comment=comment, score=score, reason=reason)
    transition = _run_engine(engine, assessment, event, guards, report)
    acting_as = rels & set(transition.actors)
    if committee.counts_votes(assessment, event, acting_as):
        return _vote(assessment, event, actor, acting_as, params, report, now, client_addr)
    return move(assessment, transition.dest, event, actor, acting_as, params, report, now,
                client_addr)


def _vote(assessment, event, actor, acting_as, params, report, now, client_addr):
    """Record a member's vote (同意/不同意/弃权). While the rule has not decided, the vote
    is audited as "committee_vote" and the item stays; once it has, the member's vote
    closes the stage (approve: the members' mean as its score; send back: every 不同意
    reason). A deciding 弃权 is audited first, then the stage closes by the rule."""
    committee.record_vote(assessment, actor, event, params, report, now)
    decision = committee.tally(assessment)["outcome"]
    if decision is None or decision != event:
        entry = versioned_move(assessment, assessment.state, actor, acting_as, now,
                               "committee_vote", {**params, "vote": event}, client_addr)
        if decision is not None:
            close_committee_stage(assessment, decision, now, client_addr)
        return entry
    closing = committee.closing_params(assessment, params, decision)
    if decision == "approve":
        closing["member_score"] = params.get("score")
    dest = _decided_transition(assessment, decision, report, now).dest
    return move(assessment, dest, decision, actor, acting_as, closing, report, now,
                client_addr)


def close_committee_stage(assessment, decision, now, client_addr=""):
    """The rule decided without a member's matching vote (a 弃权, a 回避): the system
    closes the stage with the committee's decision."""
    report = current_report(assessment)
    dest = _decided_transition(assessment, decision, report, now).dest
    params = committee.closing_params(assessment, {"comment": ""}, decision)
    move(assessment, dest, decision, None, {"system"}, params, report, now, client_addr)


def _decided_transition(assessment, decision, report, now):
    engine = engine_for(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    return engine.fire(assessment.state, decision, Guards(assessment, report, now))


def move(assessment, dest, event, actor, acting_as, params, report, now, client_addr=""):
    """Audit the move, change the state, then apply the event's effects."""
    source = assessment.state
    entry = versioned_move(assessment, dest, actor, acting_as, now, event, params, client_addr)
    effects.apply(assessment, event, source, actor, params, report, now)
    return entry


def _check_can_try(assessment, event, actor, rels, version):
    workflow = get_workflow(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    if event not in workflow.events:
        raise NotFound(code="unknown_event")
    if actor is not None and not can_view(actor, assessment, rels):
        raise NotAllowed()
    if version is not None and int(version) != assessment.version and not _same_round(
            assessment, event, rels, int(version)):
        raise StaleVersion()
    engine = engine_for(workflow.key, workflow.version)
    if not engine.candidates(assessment.state, event):
        raise WrongState()
    if not engine.actors(assessment.state, event) & rels:
        raise NotAllowed()
    return engine


def _same_round(assessment, event, rels, version):
    """Other members' votes move the version on, not the item: a member who loaded the
    page in this committee round may still vote (their own second vote is refused)."""
    return (event in committee.VOTE_EVENTS and "committee" in rels
            and committee.is_committee_stage(assessment) and version >= assessment.stage_seq)


PARAM_LIMITS = {"comment": limits.COMMENT, "reason": limits.REASON}


def _check_params(transition, guards, **given):
    params, errors = {}, {}
    for name, value in given.items():
        rule = transition.field_rule(name, guards)
        text = value.strip() if isinstance(value, str) else value
        if rule == REQUIRED and text in (None, ""):
            errors[name] = "required"
        elif name == "score":
            if rule is None and text not in (None, ""):
                errors[name] = "not_accepted"
            else:
                params[name] = _score_or_error(text, errors)
        else:
            params[name] = text if isinstance(text, str) else ("" if text is None else None)
            if params[name] is None:
                errors[name] = "not_text"
            elif len(params[name]) > PARAM_LIMITS[name]:
                errors[name] = "too_long"
    if errors:
        raise Invalid(fields=errors)
    return params


def _score_or_error(value, errors):
    try:
        return parse_score(value)
    except Invalid as exc:
        errors.update(exc.fields)
        return None


def _run_engine(engine, assessment, event, guards, report):
    try:
        return engine.fire(assessment.state, event, guards)
    except GuardFailed as exc:
        if exc.guard == "report_complete":
            raise Invalid(fields=missing_fields(report.content if report else {},
                                                assessment.cycle.kind),
                          code="report_incomplete") from None
        raise WrongState(MESSAGES.get(exc.guard), code=exc.guard) from None


def versioned_move(assessment, dest, actor, acting_as, now, event, params, client_addr):
    """The version-checked UPDATE: of two concurrent actors exactly one wins.

    Every entry on an assessment's chain goes through here, whether or not the state
    changes (a committee vote, a recusal), so `version` always equals the last seq.
    """
    seq = assessment.version + 1
    entry = make_entry(
        "assessment", assessment.id, seq, assessment.audit_head or GENESIS, actor=actor,
        at=now, actor_role=",".join(sorted(acting_as)), action=event,
        on_behalf_of_id=_absent_id(actor, assessment, acting_as),
        from_state=assessment.state, to_state=dest, comment=params.get("comment") or "",
        data=_entry_data(params), client_addr=client_addr or "")
    values = {"version": seq, "audit_head": entry.hash,
              "audit_head_mac": head_mac("assessment", assessment.id, seq, entry.hash)}
    if dest != assessment.state:
        values.update(state=dest, state_since=now, stage_seq=seq,
                      due_at=due_for(assessment.cycle, dest, now))
    if event not in fanout.TOLD_EVENTS and assessment.told_version == assessment.version:
        values["told_version"] = seq  # nobody to tell, nothing waiting before it
    moves = db.session.info.get(BATCH_KEY)
    if moves is not None:
        # Batch mode: the checked UPDATE is written with the others by write_batch().
        moves.append((assessment.id, assessment.version, values))
        for name, value in values.items():
            set_committed_value(assessment, name, value)
        effects.add_row(AuditEntry, **{c: getattr(entry, c) for c in ENTRY_COLUMNS})
        count_transition(event)  # Prometheus: transitions by event (operations/metrics.py)
        return entry
    result = db.session.execute(
        update(Assessment)
        .where(Assessment.id == assessment.id, Assessment.version == assessment.version)
        .values(**values).execution_options(synchronize_session="evaluate"))
    if result.rowcount != 1:
        raise Conflict(code="already_handled")
    db.session.add(entry)
    count_transition(event)
    return entry


# --- many transitions in one request (the queue's batch decision) -------------------

BATCH_KEY = "batched_moves"
ENTRY_COLUMNS = [c.name for c in AuditEntry.__table__.columns if c.name != "id"]


@contextmanager
def batched():
    """Fire many events with their writes gathered: inside, `versioned_move` only records
    its version-checked UPDATE and effects their rows; `write_batch()` then writes all
    UPDATEs (one executemany per kind of change) and the audit entries, reviews and votes
    (one executemany INSERT per table). Nothing is flushed in between (no autoflush).
    Who must be told is worked out after the commit, for the whole batch (fanout)."""
    info = db.session.info
    info[BATCH_KEY], info[effects.ROWS_KEY] = [], {}
    try:
        with db.session.no_autoflush:
            yield
    finally:
        info.pop(BATCH_KEY, None)
        info.pop(effects.ROWS_KEY, None)


def write_batch():
    """Write what `batched()` gathered. Raises Conflict (nothing usable: roll back) when
    any item changed in the meantime, so the caller can redo the items one by one."""
    moves = db.session.info[BATCH_KEY]
    groups = {}
    for ident, version, values in moves:
        groups.setdefault(tuple(sorted(values)), []).append(
            {"w_id": ident, "w_version": version, **{f"b_{k}": v for k, v in values.items()}})
    table = Assessment.__table__
    for names, rows in groups.items():
        stmt = (update(table).where(table.c.id == bindparam("w_id"),
                                    table.c.version == bindparam("w_version"))
                .values({n: bindparam(f"b_{n}") for n in names}))
        if db.session.execute(stmt, rows).rowcount != len(rows):
            raise Conflict(code="already_handled")
    db.session.flush()
    # Audit entries, reviews, votes: plain executemany INSERTs, no unit of work per object.
    for table, rows in db.session.info[effects.ROWS_KEY].items():
        db.session.execute(insert(table), rows)
    db.session.info[effects.ROWS_KEY].clear()
    moves.clear()


def _absent_id(actor, assessment, acting_as):
    absent = standing_in_for(actor, assessment, acting_as) if actor is not None else None
    return absent.id if absent is not None else None


def _entry_data(params):
    data = {k: params[k] for k in ("score", "member_score", "from_grade", "to_grade", "vote")
            if params.get(k) is not None}
    if params.get("reason"):
        data["reason"] = params["reason"]
    return data

"""Human-readable names of workflow states, events, relations and report fields.

English msgids, translated by Flask-Babel (Simplified Chinese by default). Views and
templates use these; codes stay in the database and the API.
"""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

STATE_LABELS = {
    "drafting": _l("Drafting"),
    "supervisor_review": _l("Supervisor review"),
    "committee_review": _l("Committee review"),
    "secretary_approval": _l("Secretary approval"),
    "leader_review": _l("Contact leader review"),
    "approved": _l("Approved"),
    "published": _l("Published"),
    "disputed": _l("Objection under review"),
    "final": _l("Final (filed)"),
    "appealed": _l("Appeal under review"),
    "excluded": _l("Not taking part this time (no grade)"),
}

EVENT_LABELS = {
    "open": _l("Opened"),
    "submit": _l("Submit"),
    "approve": _l("Approve"),
    "send_back": _l("Send back"),
    "publish": _l("Publish"),
    "dispute": _l("Raise an objection"),
    "uphold": _l("Uphold the objection"),
    "dismiss": _l("Dismiss the objection"),
    "finalize": _l("File as final"),
    "appeal": _l("Appeal"),
    "grant": _l("Grant the review"),
    "deny": _l("Deny the appeal"),
    "exclude": _l("Exclude from this cycle"),
    "abstain": _l("Abstain"),
    "committee_vote": _l("Committee member's vote"),
    "declare_conflict": _l("Stepped aside (conflict of interest)"),
}

# A two-committees member's vote (committee_vote.decision): 同意 / 不同意 / 弃权.
VOTE_LABELS = {
    "approve": _l("Agree"),
    "send_back": _l("Disagree"),
    "abstain": _l("Abstain"),
}

# The conditions (guards) workflows/ names, as a reader of the workflow diagram says them.
GUARD_LABELS = {
    "report_complete": _l("the report is complete"),
    "window_open": _l("within the submission window"),
    "committee_stage": _l("the cycle has a committee stage"),
    "committee_scores": _l("the committee gives scores"),
    "graded": _l("the grade is set"),
    "publication_open": _l("within the publication period"),
    "publication_ended": _l("the publication period is over"),
    "appeal_open": _l("within the appeal period"),
}
# "not <guard>" where a plain negation reads badly.
NOT_GUARD_LABELS = {
    "committee_stage": _l("the cycle has no committee stage"),
}

RELATION_LABELS = {
    "cadre": _l("Cadre"),
    "supervisor": _l("Supervisor"),
    "committee": _l("Committee member"),
    "secretary": _l("Party secretary"),
    "org_admin": _l("Organisation department"),
    "auditor": _l("Auditor"),
    "unit_member": _l("Colleague"),
    "system": _l("System"),
}

CYCLE_STATUS_LABELS = {
    "draft": _l("Draft"),
    "scheduled": _l("Scheduled"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "published": _l("Published"),
    # Shown, not stored: progress.display_status follows the assessments.
    "publication_ended": _l("Publication ended, filing under way"),
    "filed": _l("All filed, ready to archive"),
    "archived": _l("Archived"),
}

REPORT_FIELD_LABELS = {
    "key_work": _l("Key work done this quarter"),
    "indicator_progress": _l("Progress on assigned indicators"),
    "most_satisfied": _l("Work I am most satisfied with"),
    "least_satisfied": _l("Work I am least satisfied with"),
    "self_evaluation": _l("Self-evaluation"),
}


def _label(table, code):
    return table.get(code, code) if code else ""


def state_label(code):
    return _label(STATE_LABELS, code)


def event_label(code):
    return _label(EVENT_LABELS, code)


def guard_label(when=(), unless=()):
    """'report_complete', 'window_open' → 报告已填写完整且在填报期内; "" without a condition."""
    parts = [str(_label(GUARD_LABELS, g)) for g in when]
    parts += [str(NOT_GUARD_LABELS[g]) if g in NOT_GUARD_LABELS
              else gettext("not: %(condition)s", condition=_label(GUARD_LABELS, g))
              for g in unless]
    return gettext(" and ").join(parts)


def vote_label(code):
    return _label(VOTE_LABELS, code)


def relation_label(codes):
    """'supervisor' or 'committee,secretary' (as stored in the audit log) → names."""
    parts = [str(_label(RELATION_LABELS, c)) for c in (codes or "").split(",") if c]
    return " / ".join(parts)


def cycle_status_label(code):
    return _label(CYCLE_STATUS_LABELS, code)

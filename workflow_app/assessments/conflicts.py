"""回避: a committee member declares a conflict of interest on an item.

From then on the member has no committee relation to the item (permissions), it
leaves their queue (queries) and they no longer count towards the committee's
rule. Declaring is audited on the item's chain. When the remaining members have
already decided it under the rule, the stage closes at once, recorded as done by
the system.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from workflow_app import limits
from workflow_app.assessments import committee
from workflow_app.assessments.models import Recusal
from workflow_app.assessments.permissions import can_declare_conflict, relations
from workflow_app.assessments.services import close_committee_stage, versioned_move
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict, NotAllowed, StaleVersion
from workflow_app.extensions import db
from workflow_app.validation import require_text

ALREADY_DECIDED = _l("You have already decided on this item in this round; "
                     "a conflict of interest must be declared before deciding.")


def declare_conflict(assessment, actor, reason, *, version=None, now=None, client_addr=""):
    now = as_utc(now) if now else utcnow()
    rels = relations(actor, assessment)
    if "committee" not in rels:
        raise NotAllowed()
    if not can_declare_conflict(actor, assessment, rels):
        raise Conflict(ALREADY_DECIDED, code="already_voted")
    if version is not None and int(version) != assessment.version:
        raise StaleVersion()
    text = require_text("reason", reason, limits.REASON)
    _add_recusal(assessment, actor, text, now)
    entry = versioned_move(assessment, assessment.state, actor, {"committee"}, now,
                            "declare_conflict", {"comment": text}, client_addr)
    _close_if_rule_met(assessment, now, client_addr)
    return entry


def _add_recusal(assessment, actor, reason, now):
    db.session.add(Recusal(assessment_id=assessment.id, member_id=actor.id, reason=reason,
                           created_at=now))
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(code="already_recused") from None


def _close_if_rule_met(assessment, now, client_addr):
    """Fewer eligible members may mean the votes already cast now decide."""
    if not committee.is_committee_stage(assessment):
        return
    decision = committee.tally(assessment)["outcome"]
    if decision is not None:
        close_committee_stage(assessment, decision, now, client_addr)

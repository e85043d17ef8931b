"""Running the chain verification from the web: for an auditor or org_admin.

`verify_chains` walks every chain of the county (a break anywhere is everyone's
concern), but a reader is shown the details only of the breaks on subjects in their
scope; the others are counted. The run is recorded as a read on the reader's own
chain (`user`, action `verify_chains`, with the counts), so the home page can show
the latest result and the log shows who checked when.
"""

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, func, literal, select

from workflow_app.assessments.models import Assessment
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.audit.queries import can_read_log, readable, scope_clause
from workflow_app.audit.services import record
from workflow_app.audit.verify import verify_chains
from workflow_app.clock import utcnow
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db

VERIFY_ACTION = "verify_chains"
BREAK_LABELS = {
    "entry_deleted": _l("An entry was deleted from the middle of the chain."),
    "chain_broken": _l("An entry does not follow the one before it: an entry was deleted or "
                       "edited."),
    "entry_edited": _l("The entry's content does not match its seal: the entry was edited."),
    "head_deleted": _l("The chain's head record was deleted."),
    "head_edited": _l("The chain's head record was edited."),
    "tail_deleted": _l("The newest entries of the chain were deleted."),
    "chain_deleted": _l("Every entry of the chain was deleted."),
}


@dataclass
class Result:
    chains: int
    entries: int
    at: object
    breaks: list = field(default_factory=list)   # in the reader's scope
    elsewhere: int = 0                           # breaks outside it

    @property
    def intact(self):
        return not self.breaks and not self.elsewhere


def break_label(brk):
    return BREAK_LABELS.get(brk.code) or brk.problem


def run_verification(actor):
    """Walk every chain; record the run on the actor's chain; the caller commits."""
    if not can_read_log(actor):
        raise NotAllowed()
    chains = chain_count()
    entries = db.session.scalar(select(func.count()).select_from(AuditEntry))
    found = verify_chains()
    mine = _in_scope(actor, found)
    result = Result(chains, entries, utcnow(), mine, len(found) - len(mine))
    record("user", actor.id, VERIFY_ACTION, actor=actor, at=result.at,
           data={"chains": chains, "entries": entries, "breaks": len(found)})
    return result


def chain_count():
    """Chains with a head: a head row each, and every assessment (its head is its row)."""
    rows = db.session.scalar(select(func.count()).select_from(AuditChainHead)
                             .where(AuditChainHead.subject_type != "assessment"))
    return rows + db.session.scalar(select(func.count()).select_from(Assessment))


def _in_scope(actor, found):
    """The breaks whose subject the actor may read (by its head: a head row, or the
    assessment itself; a chain whose head is gone too is counted as elsewhere)."""
    if not found:
        return []
    keys = {(b.subject_type, b.subject_id) for b in found}
    heads = AuditChainHead
    rows = db.session.execute(
        select(heads.subject_type, heads.subject_id).where(
            scope_clause(actor, heads.subject_type, heads.subject_id),
            heads.subject_type.in_({k[0] for k in keys}),
            heads.subject_id.in_({k[1] for k in keys})))
    kind = literal("assessment", String)
    own = db.session.execute(select(kind, Assessment.id).where(
        scope_clause(actor, kind, Assessment.id),
        Assessment.id.in_({k[1] for k in keys if k[0] == "assessment"})))
    visible = ({tuple(r) for r in rows} | {tuple(r) for r in own}) & keys
    return [b for b in found if (b.subject_type, b.subject_id) in visible]


def latest_run(user):
    """The newest verification entry the user may read, or None."""
    return db.session.scalar(select(AuditEntry).where(
        *readable(user), AuditEntry.action == VERIFY_ACTION)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(1))

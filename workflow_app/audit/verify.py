"""`verify-audit`: walk every chain and name the first entry that does not hold."""

from dataclasses import dataclass

from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.services import GENESIS, entry_hash
from workflow_app.extensions import db


@dataclass
class Break:
    subject_type: str
    subject_id: int
    seq: int
    entry_id: int | None
    problem: str

    def __str__(self):
        where = f"entry {self.entry_id}" if self.entry_id else "chain end"
        return (f"{self.subject_type} {self.subject_id}, seq {self.seq} ({where}): "
                f"{self.problem}")


def _check_entry(entry, expected_seq, prev_hash):
    if entry.seq != expected_seq:
        return f"expected seq {expected_seq}, found {entry.seq}: an entry was deleted"
    if entry.prev_hash != prev_hash:
        return "prev_hash does not match the previous entry: an entry was deleted or edited"
    fields = {c: getattr(entry, c) for c in
              ("subject_type", "subject_id", "seq", "actor_id", "actor_role",
               "on_behalf_of_id", "action", "from_state", "to_state", "comment", "data",
               "client_addr")}
    if entry_hash(fields, entry.at, entry.prev_hash) != entry.hash:
        return "content does not match its hash: the entry was edited"
    return None


def _heads():
    """Chain heads recorded outside the log, which reveal a deleted last entry."""
    rows = db.session.execute(select(Assessment.id, Assessment.version, Assessment.audit_head))
    return {("assessment", r.id): (r.version, r.audit_head) for r in rows}


def verify_all(batch=5000):
    """Return the first Break found, or None when every chain holds."""
    heads = _heads()
    query = select(AuditEntry).order_by(AuditEntry.subject_type, AuditEntry.subject_id,
                                        AuditEntry.seq).execution_options(yield_per=batch)
    result = db.session.scalars(query)
    try:
        problem = _walk(result, heads)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: release it on early return
    return problem or _missing_chains(heads)


def _walk(entries, heads):
    key, expected, prev, last = None, 1, GENESIS, None
    for entry in entries:
        entry_key = (entry.subject_type, entry.subject_id)
        if entry_key != key:
            if key and (problem := _check_head(key, last, heads)):
                return problem
            key, expected, prev = entry_key, 1, GENESIS
        problem = _check_entry(entry, expected, prev)
        if problem:
            return Break(*entry_key, entry.seq, entry.id, problem)
        expected, prev, last = expected + 1, entry.hash, entry
    return _check_head(key, last, heads) if key else None


def _check_head(key, last, heads):
    head = heads.pop(key, None)
    if head is None:
        return None
    version, audit_head = head
    if last.seq != version or last.hash != audit_head:
        return Break(*key, last.seq + 1, None,
                     f"the assessment is at version {version} but its log ends at seq "
                     f"{last.seq}: the newest entries were deleted")
    return None


def _missing_chains(heads):
    """An assessment whose every entry was deleted still has a head to compare."""
    for (stype, sid), (version, _head) in heads.items():
        return Break(stype, sid, 1, None,
                     f"the assessment is at version {version} but has no audit entries")
    return None

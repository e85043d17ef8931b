"""`verify-audit`: walk every chain and name the first entry that does not hold in each."""

from collections import namedtuple
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.audit.models import AuditChainHead, AuditEntry
from workflow_app.audit.services import GENESIS, HASHED, audit_key, entry_hash, head_mac
from workflow_app.extensions import db


@dataclass
class Break:
    subject_type: str
    subject_id: int
    seq: int
    entry_id: int | None
    problem: str
    # What kind of break, for readers in other languages (audit.verification.BREAK_LABELS).
    code: str = ""

    def __str__(self):
        where = f"entry {self.entry_id}" if self.entry_id else "chain end"
        return (f"{self.subject_type} {self.subject_id}, seq {self.seq} ({where}): "
                f"{self.problem}")


def _check_entry(entry, expected_seq, prev_hash, key):
    """(problem, code) of the first thing wrong with `entry`, or None."""
    if entry.seq != expected_seq:
        return (f"expected seq {expected_seq}, found {entry.seq}: an entry was deleted",
                "entry_deleted")
    if entry.prev_hash != prev_hash:
        return ("prev_hash does not match the previous entry: an entry was deleted or edited",
                "chain_broken")
    fields = {c: getattr(entry, c) for c in HASHED}
    if entry_hash(fields, entry.at, entry.prev_hash, key) != entry.hash:
        return ("content does not match its MAC: the entry was edited (or the key is wrong)",
                "entry_edited")
    return None


def _heads():
    """Chain heads kept outside the log: one row per chain, and the assessments' own
    version and last MAC."""
    heads = {(h.subject_type, h.subject_id): h
             for h in db.session.scalars(select(AuditChainHead))}
    rows = db.session.execute(select(Assessment.id, Assessment.version, Assessment.audit_head,
                                     Assessment.audit_head_mac))
    assessments = {("assessment", r.id): (r.version, r.audit_head, r.audit_head_mac)
                   for r in rows}
    return heads, assessments


def verify_chains(batch=5000):
    """Every Break found: the first of each broken chain, then heads without a chain."""
    key = audit_key()
    heads, assessments = _heads()
    query = select(AuditEntry).order_by(AuditEntry.subject_type, AuditEntry.subject_id,
                                        AuditEntry.seq).execution_options(yield_per=batch)
    result = db.session.scalars(query)
    try:
        problems = list(_walk(result, heads, assessments, key))
    finally:
        result.close()  # a server-side cursor on PostgreSQL: release it
    return problems + list(_missing_chains(heads, assessments))


def verify_all(batch=5000):
    """The first Break found, or None when every chain holds."""
    problems = verify_chains(batch)
    return problems[0] if problems else None


def _walk(entries, heads, assessments, key):
    for chain, group in groupby(entries, key=lambda e: (e.subject_type, e.subject_id)):
        problem, last = _check_chain(chain, group, key)
        head, assessment = heads.pop(chain, None), assessments.pop(chain, None)
        if assessment is not None and head is None:
            # An assessment's head is its own row (version, audit_head, audit_head_mac);
            # a separate head row is only left from before that (checked as such).
            head = _row_head(chain, assessment)
        problem = problem or _check_head(chain, last, head, key) or _check_assessment(
            chain, last, assessment)
        if problem:
            yield problem


def _check_chain(chain, entries, key):
    """(the first entry that does not hold, None) or (None, the last entry)."""
    expected, prev, last = 1, GENESIS, None
    for entry in entries:
        if problem := _check_entry(entry, expected, prev, key):
            return Break(*chain, entry.seq, entry.id, *problem), None
        expected, prev, last = expected + 1, entry.hash, entry
    return None, last


def _check_head(chain, last, head, key):
    def broken(problem, code):
        return Break(*chain, last.seq + 1, None, problem, code)
    if head is None:
        return broken("the chain has no head row: the head was deleted", "head_deleted")
    if head.head_mac != head_mac(*chain, head.count, head.last_mac, key):
        return broken("the head does not match its MAC: the head was edited", "head_edited")
    if head.count != last.seq or head.last_mac != last.hash:
        return broken(f"the head names {head.count} entries but the log ends at seq "
                      f"{last.seq}: the newest entries were deleted", "tail_deleted")
    return None


RowHead = namedtuple("RowHead", "count last_mac head_mac")


def _row_head(chain, assessment):
    version, audit_head, mac = assessment
    if not mac:
        return None  # the MAC was blanked: as good as a deleted head
    return RowHead(count=version, last_mac=audit_head, head_mac=mac)


def _check_assessment(chain, last, assessment):
    if assessment is None:
        return None
    version, audit_head, _mac = assessment
    if last.seq != version or last.hash != audit_head:
        return Break(*chain, last.seq + 1, None,
                     f"the assessment is at version {version} but its log ends at seq "
                     f"{last.seq}: the newest entries were deleted", "tail_deleted")
    return None


def _missing_chains(heads, assessments):
    """Heads whose every entry was deleted."""
    for (stype, sid), head in heads.items():
        yield Break(stype, sid, 1, None,
                    f"the head names {head.count} entries but the chain has none",
                    "chain_deleted")
    for (stype, sid), (version, *_head) in assessments.items():
        if (stype, sid) not in heads:
            yield Break(stype, sid, 1, None,
                        f"the assessment is at version {version} but has no audit entries",
                        "chain_deleted")

"""Who may read why a committee member stepped aside (回避).

A member's reason ("本人与某某为近亲属…") is about the member and the people around
them. The person assessed sees that a member stepped aside, and who, never why; so
do their supervisor and the unit's secretary, who do not need it to decide. The
reason is for the committee (who must be able to tell a proper recusal from a
convenient one), the organisation department and the auditor over the assessment,
and the member themself.

The same rule covers every rendering: the history on the assessment page and in the
API (the `declare_conflict` audit entry carries the reason as its comment). The
registration form (登记表) never shows recusals; the Recusal rows themselves are
shown by name only.
"""

from types import SimpleNamespace

from workflow_app.assessments.permissions import relations

REASON_READERS = {"committee", "org_admin", "auditor"}
RECUSAL_EVENT = "declare_conflict"


def sees_recusal_reason(user, assessment, member_id, rels=None):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.id == member_id:
        return True
    rels = relations(user, assessment) if rels is None else rels
    return bool(rels & REASON_READERS)


def hides_recusal_reason(entry, user, assessment, rels=None):
    """True for a recusal entry whose reason `user` may not read."""
    return entry.action == RECUSAL_EVENT and not sees_recusal_reason(
        user, assessment, entry.actor_id, rels)


def without_reason(entry):
    """A copy of the entry that says who stepped aside, not why (the stored entry stays)."""
    return SimpleNamespace(
        seq=entry.seq, at=entry.at, action=entry.action, from_state=entry.from_state,
        to_state=entry.to_state, actor_id=entry.actor_id, actor_role=entry.actor_role,
        on_behalf_of_id=entry.on_behalf_of_id, comment="", data={}, client_addr="",
        objector_hidden=False, reason_hidden=True)

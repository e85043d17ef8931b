"""Who may know who objected: the objector's identity, reason and evidence.

A colleague who objects to a cadre's result during 公示 must not be exposed to that
cadre (or to the cadre's reviewers): the objector's name, username, id, role and
unit, their reason and their evidence files are for the org_admin and the auditor
over the assessment, and for the objector themself. Everyone else who may see the
assessment sees that an objection exists, its kind, status and outcome.

The same rule covers every rendering: the assessment page's objection panel, the
history (web and API: the `dispute` / `appeal` audit entries carry the actor and the
reason) and the evidence file URLs (404 for anyone else, even with a guessed id).
"""

from types import SimpleNamespace

from workflow_app.assessments.permissions import relations
from workflow_app.assessments.recusal_privacy import hides_recusal_reason, without_reason

OBJECTOR_READERS = {"org_admin", "auditor"}
OBJECTION_EVENTS = ("dispute", "appeal")


def sees_objector(user, assessment, raised_by_id, rels=None):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if raised_by_id is not None and user.id == raised_by_id:
        return True
    rels = relations(user, assessment) if rels is None else rels
    return bool(rels & OBJECTOR_READERS)


def hides_objector(entry, user, assessment, rels=None):
    """True for a history entry that raised an objection `user` may not attribute."""
    return entry.action in OBJECTION_EVENTS and not sees_objector(
        user, assessment, entry.actor_id, rels)


def masked(entry):
    """A copy of the entry without who raised it and why (the stored entry is untouched)."""
    return SimpleNamespace(
        seq=entry.seq, at=entry.at, action=entry.action, from_state=entry.from_state,
        to_state=entry.to_state, actor_id=None, actor_role="", on_behalf_of_id=None,
        comment="", data={}, client_addr="", objector_hidden=True)


def visible_history(entries, user, assessment):
    """The history as `user` may read it: objectors masked as above, and a committee
    member's reason for stepping aside only for those who may read it
    (assessments/recusal_privacy.py): one function for the web page and the API."""
    rels = relations(user, assessment)
    return [_as_seen(e, user, assessment, rels) for e in entries]


def _as_seen(entry, user, assessment, rels):
    if hides_objector(entry, user, assessment, rels):
        return masked(entry)
    if hides_recusal_reason(entry, user, assessment, rels):
        return without_reason(entry)
    return entry

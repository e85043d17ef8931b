"""Who stands in which relation to an assessment, and so what they may see and do.

One place for every check: views, API and templates all ask these functions, so
what the UI shows and what the server allows cannot drift apart.
"""

from workflow_app.assessments import committee
from workflow_app.people.roles import AUDITOR, CADRE, COMMITTEE, SECRETARY, SUPERVISOR
from workflow_app.people.scope import administers, holds_over
from workflows import engine_for

PUBLIC_STATES = ("published", "disputed", "final", "appealed")
READ_RELATIONS = {"cadre", "supervisor", "committee", "secretary", "org_admin", "auditor"}
# What a substitute takes over from an absent reviewer. Committee seats are not
# delegated: a vote is personal and the committee's rule counts its members.
DELEGABLE = {"supervisor", "secretary"}


def relations(user, assessment):
    """Relations `user` has to `assessment`: the names workflow transitions use, including
    the reviewing relations of anyone `user` currently stands in for."""
    if user is None or not user.is_authenticated:
        return set()
    if user.id == assessment.cadre_id:
        # Nobody acts on their own assessment in any other capacity.
        return {"cadre"} if user.has_role(CADRE) else set()
    found = own_relations(user, assessment)
    for absent in represented(user):
        found |= delegated_relations(absent, assessment)
    return found


def delegated_relations(absent, assessment):
    if absent.id == assessment.cadre_id:
        return set()
    return own_relations(absent, assessment) & DELEGABLE


def represented(user):
    """Whom `user` stands in for now; looked up once per user object (i.e. per request)."""
    from workflow_app.clock import utcnow
    from workflow_app.people.substitutes import represented_by

    now = utcnow()
    cached = user.__dict__.get("_represented")
    if cached is None or cached[0] != now.replace(second=0, microsecond=0):
        cached = (now.replace(second=0, microsecond=0), represented_by(user, now))
        user.__dict__["_represented"] = cached
    return cached[1]


def standing_in_for(user, assessment, acting_as):
    """The absent reviewer whose relation `user` acts in, when it is not `user`'s own."""
    if user is None or not acting_as & DELEGABLE or acting_as & own_relations(user, assessment):
        return None
    return next((a for a in represented(user)
                 if acting_as & delegated_relations(a, assessment)), None)


def own_relations(user, assessment):
    if user.id == assessment.cadre_id:
        return {"cadre"} if user.has_role(CADRE) else set()
    unit = assessment.org_unit
    found = set()
    if user.has_role(SUPERVISOR) and assessment.cadre.supervisor_id == user.id:
        found.add("supervisor")
    for role in (COMMITTEE, SECRETARY, AUDITOR):
        if holds_over(user, role, unit):
            found.add(role)
    if "committee" in found and committee.is_recused(user, assessment):
        found.discard("committee")  # 回避: out of the item altogether
    if administers(user, unit):
        found.add("org_admin")
    if user.org_unit_id == assessment.org_unit_id:
        found.add("unit_member")
    return found


def can_view(user, assessment, rels=None):
    rels = relations(user, assessment) if rels is None else rels
    if rels & READ_RELATIONS:
        return True
    # Colleagues see a result while it is published (公示), nothing before.
    return "unit_member" in rels and assessment.state in PUBLIC_STATES


STAFF_READERS = frozenset({"org_admin", "auditor"})


def withholds_result(user, assessment):
    """A cadre's own score, grade, rank and flags stay hidden until 公示: a trial run
    (试算) or a grade not yet published must not reach the person it is about (who
    could otherwise lobby before the unit sees it). Staff and reviewers see it."""
    return user.id == assessment.cadre_id and assessment.state not in PUBLIC_STATES


def reads_aggregates(user, assessment, rels=None):
    """360 and survey results (anonymous aggregates): staff, and the cadre once the
    result is published."""
    rels = relations(user, assessment) if rels is None else rels
    return bool(rels & STAFF_READERS) or ("cadre" in rels and assessment.state in PUBLIC_STATES)


def sees_details(user, assessment, rels=None):
    """Report, reviews and history: not for colleagues who only see the 公示."""
    rels = relations(user, assessment) if rels is None else rels
    return bool(rels & READ_RELATIONS)


def can_fire(user, assessment, event, rels=None):
    return event in allowed_events(user, assessment, rels)


def allowed_events(user, assessment, rels=None):
    rels = relations(user, assessment) if rels is None else rels
    engine = engine_for(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    events = [e for e in engine.events_from(assessment.state)
              if engine.actors(assessment.state, e) & rels]
    if _decided_in_committee(user, assessment, rels, events):
        events = [e for e in events if e not in committee.VOTE_EVENTS]
    return events


def _decided_in_committee(user, assessment, rels, events):
    return ("committee" in rels and any(e in committee.VOTE_EVENTS for e in events)
            and committee.is_committee_stage(assessment)
            and committee.has_voted(user, assessment))


def can_declare_conflict(user, assessment, rels=None):
    """A committee member steps out of an item (回避) before deciding on it."""
    rels = relations(user, assessment) if rels is None else rels
    if "committee" not in rels:
        return False
    return not (committee.is_committee_stage(assessment)
                and committee.has_voted(user, assessment))


def can_manage_attachments(user, assessment):
    """Only the cadre, only while drafting, adds or withdraws evidence."""
    return (user.is_authenticated and user.id == assessment.cadre_id
            and assessment.state == "drafting")

"""Scope for a whole batch in one query: which of these items may this user act on.

`permissions.relations` answers for one item in Python (role grants over the org tree,
the supervisor relation, substitutes, recusals) and asks the database again per item
for a recusal or a vote. A batch of 1,000 asks once: one SELECT over the chosen items
returns, per item, each fact the rules need, and `relations_many` assembles them by the
same rules. `permissions` stays the reference: tests/test_batch_scope.py checks that
both give the same answer for a table of users, items and events.
"""

from sqlalchemy import and_, literal, select

from workflow_app.assessments import committee
from workflow_app.assessments.models import Assessment, CommitteeVote, Recusal
from workflow_app.assessments.permissions import DELEGABLE
from workflow_app.clock import utcnow
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, RoleGrant, Substitution, User
from workflow_app.people.roles import (
    AUDITOR,
    CADRE,
    COMMITTEE,
    ORG_ADMIN,
    SECRETARY,
    SUPERVISOR,
)
from workflows import engine_for

CHUNK = 500  # ids per query: well under SQLite's bound-parameter limit
OWN_ROLES = (COMMITTEE, SECRETARY, AUDITOR, ORG_ADMIN)


def _holds(user_id, role, unit_path):
    """EXISTS: `user_id` holds `role` on the unit at `unit_path` or an ancestor."""
    grant, unit = RoleGrant.__table__.alias(), OrgUnit.__table__.alias()
    return select(literal(1)).where(
        grant.c.user_id == user_id, grant.c.role == role, unit.c.id == grant.c.org_unit_id,
        unit_path.like(unit.c.path + "%")).correlate_except(grant, unit).exists()


def _standing_in(user_id, now, a, cadre, unit_path, delegated):
    """EXISTS: `user_id` stands in at `now` for someone (not the cadre) who has the
    `delegated` relation to the item: the cadre's supervisor, or a secretary over it."""
    sub = Substitution.__table__.alias()
    absent = sub.c.absent_user_id
    if delegated == "supervisor":
        has = and_(cadre.c.supervisor_id == absent, _has_role(absent, SUPERVISOR))
    else:
        has = _holds(absent, SECRETARY, unit_path)
    return select(literal(1)).where(
        sub.c.substitute_id == user_id, sub.c.starts_at <= now, sub.c.ends_at > now,
        absent != a.c.cadre_id, has).correlate_except(sub).exists()


def _has_role(user_id, role):
    grant = RoleGrant.__table__.alias()
    return select(literal(1)).where(grant.c.user_id == user_id, grant.c.role == role).exists()


def _facts_query(user, ids, now):
    a, unit = Assessment.__table__, OrgUnit.__table__.alias("item_unit")
    cadre = User.__table__.alias("item_cadre")
    recusal, vote = Recusal.__table__, CommitteeVote.__table__
    me = literal(user.id)
    columns = [a.c.id, a.c.cadre_id, a.c.org_unit_id,
               (cadre.c.supervisor_id == user.id).label("supervises"),
               *[_holds(me, role, unit.c.path).label(role) for role in OWN_ROLES],
               select(literal(1)).where(recusal.c.assessment_id == a.c.id,
                                        recusal.c.member_id == user.id).exists().label("recused"),
               select(literal(1)).where(vote.c.assessment_id == a.c.id,
                                        vote.c.member_id == user.id,
                                        vote.c.round == a.c.stage_seq).exists().label("voted"),
               *[_standing_in(me, now, a, cadre, unit.c.path, rel).label("for_" + rel)
                 for rel in sorted(DELEGABLE)]]
    return (select(*columns).join(unit, unit.c.id == a.c.org_unit_id)
            .join(cadre, cadre.c.id == a.c.cadre_id).where(a.c.id.in_(ids)))


def facts(user, ids, now=None):
    """{assessment id: row of facts} for `ids`, in one query per CHUNK ids."""
    now, ids, out = now or utcnow(), list(ids), {}
    for start in range(0, len(ids), CHUNK):
        out.update((r.id, r) for r in db.session.execute(
            _facts_query(user, ids[start:start + CHUNK], now)))
    return out


def relations_of(user, row):
    """The relations of `permissions.relations`, from one row of facts."""
    if user.id == row.cadre_id:
        return {"cadre"} if user.has_role(CADRE) else set()
    found = {role for role in OWN_ROLES if row._mapping[role]}
    if user.has_role(SUPERVISOR) and row.supervises:
        found.add("supervisor")
    if row.recused:
        found.discard(COMMITTEE)  # 回避: out of the item altogether
    if user.org_unit_id == row.org_unit_id:
        found.add("unit_member")
    return found | {rel for rel in DELEGABLE if row._mapping["for_" + rel]}


def relations_many(user, ids, now=None):
    """{assessment id: relations} for many items in one query (unknown ids left out)."""
    return {ident: relations_of(user, row) for ident, row in facts(user, ids, now).items()}


def may_fire(user, assessment, event, rels, voted):
    """`permissions.can_fire` from relations already known (and whether the user has
    voted in this committee round)."""
    engine = engine_for(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    if not engine.candidates(assessment.state, event):
        return False
    if not engine.actors(assessment.state, event) & rels:
        return False
    return not (voted and event in committee.VOTE_EVENTS and COMMITTEE in rels
                and committee.is_committee_stage(assessment))


def actionable(user, assessments, event, now=None):
    """{id: relations} of the `assessments` (loaded objects) the user may fire `event` on
    now: one query for the whole batch."""
    found = facts(user, [a.id for a in assessments], now)
    out = {}
    for a in assessments:
        row = found.get(a.id)
        if row is None:
            continue
        rels = relations_of(user, row)
        if may_fire(user, a, event, rels, bool(row.voted)):
            out[a.id] = rels
    return out

"""Scope-filtered queries: what a user may see, and what waits for their action.

These build SQL from the same relations `permissions.relations` checks one by
one, so a list never shows an item its detail page would refuse.
"""

from functools import cache

from sqlalchemy import and_, exists, false, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import AsBoolean, False_

from workflow_app.assessments.models import Assessment, CommitteeVote, Recusal
from workflow_app.assessments.permissions import DELEGABLE, PUBLIC_STATES, represented
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import AUDITOR, COMMITTEE, ORG_ADMIN, SECRETARY, SUPERVISOR
from workflow_app.people.scope import scope_paths
from workflows.registry import all_workflows

WORK_EVENTS = ("submit", "approve", "send_back", "uphold", "dismiss", "grant", "deny")
ROLE_OF = {"committee": COMMITTEE, "secretary": SECRETARY, "org_admin": ORG_ADMIN}

Cadre = aliased(User, name="cadre")


def _under(paths):
    return or_(*[OrgUnit.path.like(p + "%") for p in paths]) if paths else false()


def relation_clause(user, relation):
    """SQL for "`user` stands in `relation` to the assessment row", also as a substitute."""
    own = _own_relation_clause(user, relation)
    if relation not in DELEGABLE:
        return own
    stand_ins = [_own_relation_clause(absent, relation) for absent in represented(user)]
    if not stand_ins:
        return own
    return or_(own, and_(or_(*stand_ins), Assessment.cadre_id != user.id))


def _own_relation_clause(user, relation):
    not_own = Assessment.cadre_id != user.id
    if relation == "cadre":
        return Assessment.cadre_id == user.id
    if relation == "supervisor":
        return and_(Cadre.supervisor_id == user.id, not_own) if user.has_role(
            SUPERVISOR) else false()
    if relation == "committee":
        return and_(_under(scope_paths(user, COMMITTEE)), not_own, ~_recused(user))
    if relation in ROLE_OF:
        return and_(_under(scope_paths(user, ROLE_OF[relation])), not_own)
    return false()


def _recused(user):
    return exists().where(Recusal.assessment_id == Assessment.id, Recusal.member_id == user.id)


def _voted_this_round(user):
    return exists().where(CommitteeVote.assessment_id == Assessment.id,
                          CommitteeVote.member_id == user.id,
                          CommitteeVote.round == Assessment.stage_seq)


def base_query():
    return (select(Assessment).join(Cadre, Cadre.id == Assessment.cadre_id)
            .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id))


def visible(user):
    readers = or_(_under(scope_paths(user, SECRETARY, ORG_ADMIN, AUDITOR)),
                  and_(_under(scope_paths(user, COMMITTEE)), ~_recused(user)))
    colleagues = and_(Assessment.org_unit_id == user.org_unit_id,
                      Assessment.state.in_(PUBLIC_STATES))
    return base_query().where(or_(
        relation_clause(user, "cadre"), relation_clause(user, "supervisor"),
        relation_clause(user, "secretary"),
        and_(readers, Assessment.cadre_id != user.id), colleagues))


@cache
def _work_pairs():
    """(state, relation) pairs where some work event waits, over all workflows."""
    return sorted({(t.source, actor) for wf in all_workflows() for t in wf.transitions
                   if t.event in WORK_EVENTS for actor in t.actors
                   if actor not in ("system", "unit_member")})


def _never(clause):
    """Whether `clause` is the constant false (a relation the user cannot have)."""
    if isinstance(clause, AsBoolean):
        return isinstance(clause.element, False_) and clause.operator is operators.is_true
    return isinstance(clause, False_)


def task_filter(user):
    """One clause per relation the user can have (states grouped), under an outer state
    test: relations they never have add nothing, and the database reads the state index
    instead of scanning years of finished assessments."""
    states_of = {}
    for state, relation in _work_pairs():
        states_of.setdefault(relation, []).append(state)
    clauses, states = [], set()
    for relation, rel_states in states_of.items():
        rel = relation_clause(user, relation)
        if _never(rel):
            continue
        clause = and_(Assessment.state.in_(rel_states), rel)
        if relation == "committee":
            # A member who already decided this round has nothing left to do on it.
            clause = and_(clause, ~_voted_this_round(user))
        clauses.append(clause)
        states.update(rel_states)
    if not clauses:
        return false()
    return and_(Assessment.state.in_(sorted(states)), or_(*clauses))


def tasks(user):
    return base_query().where(task_filter(user)).order_by(Assessment.state_since, Assessment.id)


# What a task list entry shows (serialize.summary_row_json), read as plain columns.
SUMMARY_COLUMNS = ("id", "cycle_id", "cadre_id", "org_unit_id", "state", "version", "score",
                   "grade", "state_since")


def task_rows(user):
    """`tasks(user)` as plain rows of the summary's columns: no ORM objects (and none of
    their eager loads) for a list."""
    columns = [getattr(Assessment, name) for name in SUMMARY_COLUMNS]
    return (select(*columns, Cadre.display_name.label("cadre_name")).select_from(Assessment)
            .join(Cadre, Cadre.id == Assessment.cadre_id)
            .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
            .where(task_filter(user)).order_by(Assessment.state_since, Assessment.id))

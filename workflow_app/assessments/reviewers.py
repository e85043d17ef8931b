"""Who acts on an assessment at a stage: the cadre's supervisor, the committee members
still to decide, the unit's secretaries.

For one item (`stage_people`) or many at once (`Reviewers`): the recusals and the
round's votes of all the items are read in one query each, and role holders once per
role and unit (people.services.holders_of keeps them for the transaction).
"""

from functools import cached_property

from sqlalchemy import select

from workflow_app.assessments.models import CommitteeVote, Recusal
from workflow_app.extensions import db
from workflow_app.people.roles import COMMITTEE, SECRETARY
from workflow_app.people.services import holders_of
from workflows import get_workflow

STAGE_ROLES = {"committee": COMMITTEE, "secretary": SECRETARY}
CHUNK = 1000


def stage_actor(assessment, state):
    wf = get_workflow(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    return wf.stage_actor.get(state)


def stage_people(assessment, state):
    """Who acts on `assessment` in `state` (for notifications and task lists)."""
    return Reviewers([assessment]).of(assessment, state)


class Reviewers:
    def __init__(self, assessments):
        self.ids = sorted({a.id for a in assessments})

    def of(self, assessment, state, round_=None):
        """The people `assessment` waits for in `state`; `round_` is the committee round
        (the seq of the entry that entered the stage; default: the current one)."""
        relation = stage_actor(assessment, state)
        if relation == "supervisor":
            sup = assessment.cadre.supervisor
            return [sup] if sup is not None else []
        if relation == "committee":
            return self._committee(assessment, round_ or assessment.stage_seq)
        if relation in STAGE_ROLES:
            return [u for u in holders_of(STAGE_ROLES[relation], assessment.org_unit)
                    if u.id != assessment.cadre_id]
        return []

    def _committee(self, assessment, round_):
        # Members who stepped out (回避) or already decided this round wait for nobody.
        out = self.recused.get(assessment.id, set()) | {assessment.cadre_id}
        out |= {m for m, r in self.votes.get(assessment.id, ()) if r == round_}
        return [u for u in holders_of(COMMITTEE, assessment.org_unit) if u.id not in out]

    @cached_property
    def recused(self):
        found = {}
        for ident, member in self._rows(Recusal.assessment_id, Recusal.member_id):
            found.setdefault(ident, set()).add(member)
        return found

    @cached_property
    def votes(self):
        found = {}
        for ident, member, round_ in self._rows(CommitteeVote.assessment_id,
                                                CommitteeVote.member_id, CommitteeVote.round):
            found.setdefault(ident, []).append((member, round_))
        return found

    def _rows(self, key, *columns):
        for start in range(0, len(self.ids), CHUNK):
            yield from db.session.execute(
                select(key, *columns).where(key.in_(self.ids[start:start + CHUNK])))

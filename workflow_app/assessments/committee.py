"""The two-committees stage (两委会) as a real committee.

Each member votes once per round (a round is one stay in the stage, numbered by
the audit seq that entered it: `Assessment.stage_seq`). The cycle's rule decides
when the item moves on: "any" member, a "majority" of the eligible members, or
"all" of them. Eligible are the committee holders over the unit, minus the cadre
and minus those who declared a conflict of interest (回避). The stage's score is
the mean of that round's member scores. A send-back by any one member sends the
item back at once.
"""

from decimal import ROUND_HALF_UP, Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from workflow_app.assessments.models import CommitteeVote, Recusal
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.people.roles import COMMITTEE
from workflow_app.people.services import holders_of
from workflows import get_workflow

VOTE_EVENTS = ("approve", "send_back")
ALREADY_VOTED = _l("You have already decided on this item in this round.")


def is_committee_stage(assessment, state=None):
    wf = get_workflow(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    return wf.stage_actor.get(state or assessment.state) == "committee"


def counts_votes(assessment, event, acting_as):
    return (event in VOTE_EVENTS and "committee" in acting_as
            and is_committee_stage(assessment))


def round_votes(assessment):
    return db.session.scalars(
        select(CommitteeVote).where(CommitteeVote.assessment_id == assessment.id,
                                    CommitteeVote.round == assessment.stage_seq)
        .order_by(CommitteeVote.id)).all()


def has_voted(user, assessment):
    return db.session.scalar(select(CommitteeVote.id).where(
        CommitteeVote.assessment_id == assessment.id, CommitteeVote.member_id == user.id,
        CommitteeVote.round == assessment.stage_seq).limit(1)) is not None


def recused_ids(assessment):
    return set(db.session.scalars(select(Recusal.member_id)
                                  .where(Recusal.assessment_id == assessment.id)))


def is_recused(user, assessment):
    return db.session.scalar(select(Recusal.id).where(
        Recusal.assessment_id == assessment.id, Recusal.member_id == user.id)) is not None


def recusals(assessment):
    return db.session.scalars(select(Recusal).where(Recusal.assessment_id == assessment.id)
                              .order_by(Recusal.id)).all()


def eligible_members(assessment):
    out = recused_ids(assessment) | {assessment.cadre_id}
    return [u for u in holders_of(COMMITTEE, assessment.org_unit) if u.id not in out]


def rule_met(rule, approvals, eligible):
    """Whether `approvals` of `eligible` members are enough under `rule`."""
    if approvals < 1:
        return False
    if rule == "all":
        return approvals >= eligible
    if rule == "majority":
        return approvals * 2 > eligible
    return True


def tally(assessment):
    """{"rule", "eligible", "approvals", "needed"} for the current round."""
    eligible = {u.id for u in eligible_members(assessment)}
    approvals = sum(1 for v in round_votes(assessment)
                    if v.decision == "approve" and v.member_id in eligible)
    rule = assessment.cycle.committee_rule or "any"
    return {"rule": rule, "eligible": len(eligible), "approvals": approvals,
            "needed": needed(rule, len(eligible)),
            "met": rule_met(rule, approvals, len(eligible))}


def needed(rule, eligible):
    if rule == "all":
        return max(eligible, 1)
    if rule == "majority":
        return eligible // 2 + 1
    return 1


def record_vote(assessment, actor, event, params, report, now):
    """Add the member's vote; the unique key refuses a second one even in a race."""
    if has_voted(actor, assessment):
        raise Conflict(ALREADY_VOTED, code="already_voted")
    vote = CommitteeVote(
        assessment_id=assessment.id, member_id=actor.id, round=assessment.stage_seq,
        report_revision=report.revision, decision=event, score=params.get("score"),
        comment=params.get("comment") or "", created_at=now)
    db.session.add(vote)
    try:
        db.session.flush()
    except IntegrityError:
        raise Conflict(ALREADY_VOTED, code="already_voted") from None
    return vote


def mean_score(votes):
    scores = [v.score for v in votes if v.decision == "approve" and v.score is not None]
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def closing_params(assessment, params):
    """The stage's decision once the rule is met: the members' mean as its score."""
    votes = round_votes(assessment)
    approvals = [v for v in votes if v.decision == "approve"]
    return {**params, "score": mean_score(votes),
            "reviewer_id": approvals[-1].member_id if approvals else None}


def all_votes(assessment):
    """Every round's votes, oldest first (for the review page)."""
    return db.session.scalars(select(CommitteeVote)
                              .where(CommitteeVote.assessment_id == assessment.id)
                              .order_by(CommitteeVote.id)).all()

"""The two-committees stage (两委会) as a real committee.

Each member votes once per round (a round is one stay in the stage, numbered by
the audit seq that entered it: `Assessment.stage_seq`): 同意 (approve), 不同意
(send_back, a reason required) or 弃权 (abstain). Eligible are the committee
holders over the unit, minus the cadre and minus those who declared a conflict of
interest (回避). The cycle's rule decides as soon as the outcome is certain:

- "any": one member acts for the committee; the first 同意 moves the item on, the
  first 不同意 sends it back.
- "majority" / "all": more than half of / every eligible member must vote 同意
  (应到会成员过半数同意, as in the Party's rules for committee decisions). The
  item goes back as soon as that can no longer happen.

弃权 is taking part without deciding: it counts towards the quorum (more than half
of the eligible members must take part before anything is decided by majority or
all; the 同意 needed imply it) but never as 同意, so under "all" it ends the hope
of unanimity. The stage's score is the mean of that round's 同意 scores; a send-back
carries every 不同意 member's reason.
"""

from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.util import identity_key

from workflow_app import limits, transaction_cache
from workflow_app.assessments.models import Assessment, CommitteeVote, Recusal
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.roles import COMMITTEE
from workflow_app.people.services import holders_of
from workflows import get_workflow

VOTE_EVENTS = ("approve", "send_back", "abstain")
ALREADY_VOTED = _l("You have already decided on this item in this round.")


def is_committee_stage(assessment, state=None):
    wf = get_workflow(assessment.cycle.workflow_key, assessment.cycle.workflow_version)
    return wf.stage_actor.get(state or assessment.state) == "committee"


def counts_votes(assessment, event, acting_as):
    return (event in VOTE_EVENTS and "committee" in acting_as
            and is_committee_stage(assessment))


def round_votes(assessment):
    """This round's votes, oldest first; read once per transaction (permission checks,
    the tally and the closing score all ask), forgotten when votes or recusals change."""
    key = ("votes", assessment.id, assessment.stage_seq)
    memo = _memo()
    if key not in memo:
        loaded = assessment.__dict__.get("round_vote_rows")  # joined by services.LEAN
        if loaded is not None:
            memo[key] = [v for v in loaded if v.round == assessment.stage_seq]
            return list(memo[key])
        memo[key] = db.session.scalars(
            select(CommitteeVote).where(CommitteeVote.assessment_id == assessment.id,
                                        CommitteeVote.round == assessment.stage_seq)
            .options(joinedload(CommitteeVote.member).lazyload(User.grants))
            .order_by(CommitteeVote.id)).all()
    return list(memo[key])


def has_voted(user, assessment):
    return any(v.member_id == user.id for v in round_votes(assessment))


def recused_ids(assessment):
    key = ("recused", assessment.id)
    memo = _memo()
    if key not in memo:
        loaded = assessment.__dict__.get("recusal_rows")  # joined by services.LEAN
        if loaded is not None:
            memo[key] = {r.member_id for r in loaded}
            return set(memo[key])
        memo[key] = set(db.session.scalars(select(Recusal.member_id)
                                           .where(Recusal.assessment_id == assessment.id)))
    return set(memo[key])


def is_recused(user, assessment):
    return user.id in recused_ids(assessment)


MEMO_KEY = transaction_cache.register("committee_memo", Recusal)


def _memo():
    return transaction_cache.cache(db.session, MEMO_KEY)


def _expire_joined(session, assessment_id):
    """The votes and recusals joined into the assessment's SELECT are out of date."""
    loaded = session.identity_map.get(identity_key(Assessment, assessment_id))
    if loaded is not None:
        session.expire(loaded, ["recusal_rows", "round_vote_rows"])


@event.listens_for(Session, "before_flush")
def _forget_changed(session, context, instances):
    # Recusals drop the whole memo (transaction_cache); a vote only the round's votes.
    changed = (*session.new, *session.deleted)
    for row in changed:
        if isinstance(row, CommitteeVote | Recusal):
            _expire_joined(session, row.assessment_id)
    if any(isinstance(o, CommitteeVote) for o in changed):
        memo = session.info.get(MEMO_KEY, {})
        for key in [k for k in memo if k[0] == "votes"]:
            del memo[key]


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


def outcome(rule, eligible, approvals, against, abstentions):
    """"approve", "send_back" or None (not decided yet) for one round's counts."""
    if eligible < 1:
        return None  # nobody left to decide: the org department steps in
    if rule_met(rule, approvals, eligible):
        return "approve"
    remaining = max(eligible - approvals - against - abstentions, 0)
    if rule == "any":
        return "send_back" if against or not remaining else None
    return None if rule_met(rule, approvals + remaining, eligible) else "send_back"


def quorum(rule, eligible):
    """How many members must take part (any vote, 弃权 included) before a decision."""
    return 1 if rule == "any" else eligible // 2 + 1


def tally(assessment):
    """The current round: the rule, the counts of each vote, who voted what, who has not
    yet, what is needed and what is decided ("outcome"), and what each vote of a member
    who has not voted yet would decide ("if_vote")."""
    members = eligible_members(assessment)
    eligible = {u.id for u in members}
    votes = [v for v in round_votes(assessment) if v.member_id in eligible]
    counts = {d: sum(1 for v in votes if v.decision == d) for d in VOTE_EVENTS}
    rule = assessment.cycle.committee_rule or "any"
    voted = {v.member_id for v in votes}
    decide = partial(outcome, rule, len(eligible))
    current = (counts["approve"], counts["send_back"], counts["abstain"])
    return {"rule": rule, "eligible": len(eligible), "approvals": counts["approve"],
            "against": counts["send_back"], "abstentions": counts["abstain"],
            "voted": len(votes), "votes": votes, "quorum": quorum(rule, len(eligible)),
            "waiting": [u for u in members if u.id not in voted],
            "needed": needed(rule, len(eligible)),
            **_still_needed(rule, len(eligible), counts["approve"], len(votes)),
            "met": rule_met(rule, counts["approve"], len(eligible)),
            "outcome": decide(*current),
            "if_vote": {event: decide(*_plus(current, i)) for i, event in
                        enumerate(VOTE_EVENTS)}}


def needed(rule, eligible):
    if rule == "all":
        return max(eligible, 1)
    if rule == "majority":
        return eligible // 2 + 1
    return 1


def _still_needed(rule, eligible, approvals, voted):
    """How many more 同意 move the item on, and how many more 不同意/弃权 send it back
    (under "any" the first 不同意 does; an abstention only when nobody is left)."""
    to_approve = max(needed(rule, eligible) - approvals, 0)
    remaining = max(eligible - voted, 0)
    to_send_back = 1 if rule == "any" else max(remaining - to_approve + 1, 0)
    return {"to_approve": to_approve, "to_send_back": to_send_back}


def _plus(counts, index):
    return tuple(n + 1 if i == index else n for i, n in enumerate(counts))


def record_vote(assessment, actor, event, params, report, now):
    """Add the member's vote; the unique key refuses a second one even in a race."""
    earlier = round_votes(assessment)
    if any(v.member_id == actor.id for v in earlier):
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
    # The round as the tally will read it: no second query for what was just written.
    _memo()[("votes", assessment.id, assessment.stage_seq)] = [*earlier, vote]
    return vote


def mean_score(votes):
    scores = [v.score for v in votes if v.decision == "approve" and v.score is not None]
    if not scores:
        return None
    return (sum(scores, Decimal(0)) / len(scores)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def closing_params(assessment, params, decision="approve", votes=None):
    """The stage's decision once the rule decided: to approve, the members' mean as its
    score; to send back, every 不同意 member's reason. `votes`: the round's votes when
    already known (a batch reads them for all its items at once)."""
    votes = round_votes(assessment) if votes is None else votes
    if decision == "send_back":
        return {**params, "score": None, "comment": against_reasons(votes),
                "reviewer_id": _last_member(votes, "send_back")}
    return {**params, "score": mean_score(votes),
            "reviewer_id": _last_member(votes, "approve")}


def _last_member(votes, decision):
    """Who the stage's review names: the last member who voted that way, else (sent back
    on abstentions alone) the last member who voted."""
    chosen = [v for v in votes if v.decision == decision] or votes
    return chosen[-1].member_id if chosen else None


def against_reasons(votes):
    """"张三：理由" per 不同意 vote, one a line: what the cadre reads on being sent back."""
    lines = [gettext("%(name)s: %(reason)s", name=v.member.display_name, reason=v.comment)
             for v in votes if v.decision == "send_back"]
    text = "\n".join(lines) or gettext("The committee did not approve under its rule.")
    # Each reason is kept whole on its vote; the review's comment has the review's limit.
    return text if len(text) <= limits.COMMENT else text[:limits.COMMENT - 1] + "…"


def all_votes(assessment):
    """Every round's votes, oldest first (for the review page)."""
    return db.session.scalars(select(CommitteeVote)
                              .where(CommitteeVote.assessment_id == assessment.id)
                              .order_by(CommitteeVote.id)).all()

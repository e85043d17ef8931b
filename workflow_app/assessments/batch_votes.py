"""Committee votes for a whole batch: tallied and written together.

The batch's items come with their recusals and this round's votes (services.LEAN) and
the committee members over their units are read in one query (prefetch_holders); each
item's outcome is worked out by the same rule (`committee.outcome`) with the member's
new vote counted, and the vote rows go in with the batch's other rows (one executemany
INSERT; the unique key still refuses a second vote in a race, and the batch is then
redone one by one).
"""

from types import SimpleNamespace

from workflow_app.assessments import committee, effects, services
from workflow_app.assessments.models import CommitteeVote
from workflow_app.people.roles import COMMITTEE
from workflow_app.people.services import prefetch_holders


def _light(member_id, decision, score, comment, name):
    """The member's new vote as the tally and the closing review read it (not yet a row)."""
    return SimpleNamespace(id=None, member_id=member_id, decision=decision, score=score,
                           comment=comment, member=SimpleNamespace(display_name=name))


def outcome(a, eligible, votes):
    """`committee.tally(a)["outcome"]` from the eligible members and the round's votes."""
    counted = [v.decision for v in votes if v.member_id in eligible]
    rule = a.cycle.committee_rule or "any"
    return committee.outcome(rule, len(eligible), *(counted.count(d)
                                                    for d in committee.VOTE_EVENTS))


def vote_many(checked, event, actor, now, client_addr=""):
    """Record `actor`'s `event` vote on every checked item and move each on as
    `services._vote` would. Returns the ids handed back (the rule would decide the other
    way: the careful path does that, with its own audit order)."""
    if not checked:
        return set()
    # The items came with their recusals and round votes (services.LEAN); the committee
    # members over all their units are read in one query.
    prefetch_holders(COMMITTEE, {c.a.org_unit.path: c.a.org_unit for c in checked}.values())
    plans, back = [], set()
    for c in checked:
        mine = _light(actor.id, event, c.params.get("score"), c.params.get("comment") or "",
                      actor.display_name)
        round_votes = [*committee.round_votes(c.a), mine]
        eligible = {u.id for u in committee.eligible_members(c.a)}
        decision = outcome(c.a, eligible, round_votes)
        if decision is not None and decision != event:
            back.add(c.a.id)
        else:
            plans.append((c, round_votes, decision))
    for c, round_votes, decision in plans:
        _record(c, actor, event, now)
        _settle(c, event, actor, round_votes, decision, now, client_addr)
    return back


def _record(c, actor, event, now):
    """The vote row (as `committee.record_vote`), gathered for the batch's INSERT."""
    effects.add_row(CommitteeVote, assessment_id=c.a.id, member_id=actor.id,
                    round=c.a.stage_seq, report_revision=c.report.revision, decision=event,
                    score=c.params.get("score"), comment=c.params.get("comment") or "",
                    created_at=now)


def _settle(c, event, actor, round_votes, decision, now, client_addr):
    """As `services._vote` once the vote is in: a "committee_vote" entry while the rule
    has not decided, else the stage closed by this vote."""
    if decision is None:
        services.versioned_move(c.a, c.a.state, actor, c.acting_as, now, "committee_vote",
                                {**c.params, "vote": event}, client_addr)
        return
    closing = committee.closing_params(c.a, c.params, decision, votes=round_votes)
    if decision == "approve":
        closing["member_score"] = c.params.get("score")
    dest = services._decided_transition(c.a, decision, c.report, now).dest
    services.move(c.a, dest, decision, actor, c.acting_as, closing, c.report, now,
                  client_addr)

"""Committee votes for a whole batch: read, tallied and written together.

`committee.tally` reads one item's eligible members and round votes (three queries an
item); here two queries read them for every item of the batch, each item's outcome is
worked out by the same rule (`committee.outcome`) with the member's new vote counted,
and the vote rows go in with the batch's other rows (one executemany INSERT; the unique
key still refuses a second vote in a race, and the batch is then redone one by one).
"""

from types import SimpleNamespace

from sqlalchemy import and_, literal, select

from workflow_app.assessments import committee, effects, services
from workflow_app.assessments.models import Assessment, CommitteeVote, Recusal
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.roles import COMMITTEE

CHUNK = 500


def _chunks(ids):
    ids = list(ids)
    return [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]


def _eligible_query(ids):
    """(item, member): `committee.eligible_members` of many items (active committee
    holders over the item's unit, not its cadre, not recused)."""
    a, unit, granted = Assessment.__table__, OrgUnit.__table__.alias(), OrgUnit.__table__.alias()
    grant, user, recusal = RoleGrant.__table__, User.__table__, Recusal.__table__
    recused = select(literal(1)).where(recusal.c.assessment_id == a.c.id,
                                       recusal.c.member_id == user.c.id).exists()
    return (select(a.c.id, user.c.id.label("member_id")).select_from(a)
            .join(unit, unit.c.id == a.c.org_unit_id)
            .join(grant, grant.c.role == COMMITTEE)
            .join(granted, and_(granted.c.id == grant.c.org_unit_id,
                                unit.c.path.like(granted.c.path + "%")))
            .join(user, and_(user.c.id == grant.c.user_id, user.c.active))
            .where(a.c.id.in_(ids), user.c.id != a.c.cadre_id, ~recused).distinct())


def eligible_many(ids):
    out = {}
    for part in _chunks(ids):
        for ident, member in db.session.execute(_eligible_query(part)):
            out.setdefault(ident, set()).add(member)
    return out


def round_votes_many(ids):
    """{item: its current round's votes, oldest first}, as light objects carrying what
    the tally and the closing review read (decision, score, comment, member's name)."""
    vote, a, user = CommitteeVote.__table__, Assessment.__table__, User.__table__
    out = {}
    for part in _chunks(ids):
        rows = db.session.execute(
            select(vote.c.id, vote.c.assessment_id, vote.c.member_id, vote.c.decision,
                   vote.c.score, vote.c.comment, user.c.display_name)
            .join(a, and_(a.c.id == vote.c.assessment_id, a.c.stage_seq == vote.c.round))
            .join(user, user.c.id == vote.c.member_id)
            .where(vote.c.assessment_id.in_(part)).order_by(vote.c.id))
        for r in rows:
            out.setdefault(r.assessment_id, []).append(_light(
                r.member_id, r.decision, r.score, r.comment, r.display_name, r.id))
    return out


def _light(member_id, decision, score, comment, name, ident=None):
    return SimpleNamespace(id=ident, member_id=member_id, decision=decision, score=score,
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
    ids = [c.a.id for c in checked]
    eligible, votes = eligible_many(ids), round_votes_many(ids)
    plans, back = [], set()
    for c in checked:
        mine = _light(actor.id, event, c.params.get("score"), c.params.get("comment") or "",
                      actor.display_name)
        round_votes = [*votes.get(c.a.id, []), mine]
        decision = outcome(c.a, eligible.get(c.a.id, set()), round_votes)
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

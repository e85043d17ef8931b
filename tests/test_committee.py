"""The two-committees stage (两委会): votes, the cycle's rule, the mean score, 回避.

东街社区 gets a third committee member, com_a3; the last test adds com_self, a member
who is also a cadre there and so never acts on their own assessment.
"""

from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments import committee
from workflow_app.assessments.conflicts import declare_conflict
from workflow_app.assessments.models import Assessment, CommitteeVote, Review
from workflow_app.assessments.permissions import allowed_events, can_view, relations
from workflow_app.assessments.queries import tasks, visible
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.services import history
from workflow_app.audit.verify import verify_all
from workflow_app.errors import Conflict, Invalid, NotAllowed, NotFound
from workflow_app.extensions import db


@pytest.mark.parametrize(("rule", "approvals", "eligible", "met"), [
    ("any", 0, 3, False), ("any", 1, 3, True),
    ("majority", 1, 3, False), ("majority", 2, 3, True), ("majority", 1, 2, False),
    ("majority", 2, 4, False), ("majority", 3, 4, True), ("majority", 1, 1, True),
    ("all", 2, 3, False), ("all", 3, 3, True), ("all", 0, 0, False),
])
def test_rule_table(rule, approvals, eligible, met):
    assert committee.rule_met(rule, approvals, eligible) is met


@pytest.fixture
def members(world):
    unit = world.units["a"]
    world.users["com_a3"] = make_user("com_a3", unit, ["committee"])
    db.session.commit()
    return world


def _at_committee(world, create_cycle, rule, cadre="a1"):
    cycle = create_cycle()
    cycle.committee_rule = rule
    user = world.users[cadre]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == user.id))
    save_report(a, user, FULL_REPORT)
    fire_event(a, "submit", user)
    fire_event(a, "approve", world.sup_a, score=80)
    db.session.commit()
    assert a.state == "committee_review"
    return a


def _vote(world, a, name, score=None, event="approve", comment=""):
    entry = fire_event(a, event, world.users[name], score=score, comment=comment)
    db.session.commit()
    return entry


# rule, the members who approve in turn, the state after each vote
QUORUM = [
    ("any", ["com_a1"], ["secretary_approval"]),
    ("majority", ["com_a1", "com_a2"], ["committee_review", "secretary_approval"]),
    ("all", ["com_a1", "com_a2", "com_a3"],
     ["committee_review", "committee_review", "secretary_approval"]),
]


@pytest.mark.parametrize(("rule", "voters", "states"), QUORUM)
def test_rule_decides_when_the_item_moves_on(members, create_cycle, rule, voters, states):
    a = _at_committee(members, create_cycle, rule)
    scores = [Decimal("90.00"), Decimal("85.00"), Decimal("86.00")]
    for name, score, state in zip(voters, scores[:len(voters)], states, strict=True):
        entry = _vote(members, a, name, score=score)
        assert a.state == state
        assert entry.action == ("approve" if state != "committee_review" else "committee_vote")
        assert a.version == entry.seq  # the version is always the last audit seq
    mean = (sum(scores[:len(voters)]) / len(voters)).quantize(Decimal("0.01"))
    review = db.session.scalar(select(Review).where(
        Review.assessment_id == a.id, Review.stage == "committee_review"))
    assert review.score == mean and review.decision == "approve"
    assert review.reviewer_id == members.users[voters[-1]].id
    assert history("assessment", a.id)[-1].data == {"score": str(mean),
                                                    "member_score": str(scores[len(voters) - 1])}
    assert verify_all() is None


def test_a_single_vote_is_audited_without_moving(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    since, version = a.state_since, a.version
    _vote(members, a, "com_a1", score=91, comment="同意")
    last = history("assessment", a.id)[-1]
    assert (last.action, last.from_state, last.to_state) == (
        "committee_vote", "committee_review", "committee_review")
    assert (last.comment, last.data, last.actor_role) == (
        "同意", {"score": "91.00", "vote": "approve"}, "committee")
    assert a.version == version + 1 and a.state_since == since and a.audit_head == last.hash
    assert db.session.scalars(select(Review).where(Review.stage == "committee_review")).all() == []


def test_nobody_votes_twice(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    _vote(members, a, "com_a1", score=90)
    assert "approve" not in allowed_events(members.com_a1, a)
    assert a not in db.session.scalars(tasks(members.com_a1)).all()
    with pytest.raises(Conflict) as refused:
        fire_event(a, "approve", members.com_a1, score=70)
    assert refused.value.code == "already_voted"
    db.session.rollback()
    # The database refuses it too, whatever the application checks.
    db.session.add(CommitteeVote(assessment_id=a.id, member_id=members.com_a1.id,
                                 round=a.stage_seq, report_revision=1, decision="approve"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# rule, the votes cast in turn (member, vote, reason), the state after each vote
VOTES = [
    # "any": one member acts for the committee, the first 不同意 sends it back
    ("any", [("com_a1", "abstain", ""), ("com_a2", "send_back", "请补充材料")],
     ["committee_review", "drafting"]),
    # "majority" of 3: one 不同意 leaves 2 who may still agree
    ("majority", [("com_a1", "send_back", "材料不全"), ("com_a2", "approve", ""),
                  ("com_a3", "send_back", "请补充佐证")],
     ["committee_review", "committee_review", "drafting"]),
    ("majority", [("com_a1", "send_back", "材料不全"), ("com_a2", "abstain", "")],
     ["committee_review", "drafting"]),  # at most 1 of 3 can agree now
    ("majority", [("com_a1", "abstain", ""), ("com_a2", "approve", ""),
                  ("com_a3", "approve", "")],
     ["committee_review", "committee_review", "secretary_approval"]),
    # "all": any 不同意 or 弃权 ends the hope of unanimity
    ("all", [("com_a1", "approve", ""), ("com_a2", "send_back", "请补充材料")],
     ["committee_review", "drafting"]),
    ("all", [("com_a1", "abstain", "不了解情况")], ["drafting"]),
]


@pytest.mark.parametrize(("rule", "votes", "states"), VOTES)
def test_agree_disagree_abstain_under_the_rule(members, create_cycle, rule, votes, states):
    a = _at_committee(members, create_cycle, rule)
    for (name, event, reason), state in zip(votes, states, strict=True):
        _vote(members, a, name, score=88 if event == "approve" else None, event=event,
              comment=reason)
        assert a.state == state
    assert verify_all() is None
    if states[-1] != "drafting":
        return
    # Sent back with every 不同意 member's reason, by name, for the cadre to read.
    review = db.session.scalars(select(Review).where(Review.stage == "committee_review")).one()
    reasons = [f"{name}：{reason}" for name, event, reason in votes if event == "send_back"]
    assert (review.decision, review.comment) == (
        "send_back", "\n".join(reasons) or "按两委会表决规则未获通过。")


@pytest.mark.parametrize(("rule", "eligible", "votes", "outcome"), [
    ("any", 3, (0, 0, 1), None), ("any", 3, (0, 1, 0), "send_back"),
    ("any", 1, (0, 0, 1), "send_back"), ("any", 2, (1, 0, 0), "approve"),
    ("majority", 3, (1, 1, 0), None), ("majority", 3, (1, 1, 1), "send_back"),
    ("majority", 3, (2, 1, 0), "approve"), ("majority", 4, (2, 0, 2), "send_back"),
    ("majority", 4, (2, 0, 1), None), ("majority", 5, (0, 2, 1), "send_back"),
    ("all", 3, (2, 0, 0), None), ("all", 3, (3, 0, 0), "approve"),
    ("all", 3, (0, 0, 1), "send_back"),
    ("all", 0, (0, 0, 0), None), ("majority", 0, (0, 0, 0), None),
])
def test_outcome_table(rule, eligible, votes, outcome):
    """(同意, 不同意, 弃权) counts: decided as soon as the outcome is certain."""
    assert committee.outcome(rule, eligible, *votes) == outcome


def test_the_tally_counts_each_vote_and_says_what_is_left(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    _vote(members, a, "com_a1", event="abstain", comment="不了解情况")
    t = committee.tally(a)
    assert (t["approvals"], t["against"], t["abstentions"], t["voted"]) == (0, 0, 1, 1)
    assert [u.username for u in t["waiting"]] == ["com_a2", "com_a3"] and t["quorum"] == 2
    assert t["outcome"] is None and (t["to_approve"], t["to_send_back"]) == (2, 1)
    # what the next vote would decide: one more 不同意 or 弃权 leaves 2 of 3 out of reach
    assert t["if_vote"] == {"approve": None, "send_back": "send_back",
                            "abstain": "send_back"}


def test_a_deciding_abstention_is_audited_then_the_rule_closes(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    _vote(members, a, "com_a1", event="abstain")
    vote, closing = history("assessment", a.id)[-2:]
    assert (vote.action, vote.actor_id, vote.data) == (
        "committee_vote", members.com_a1.id, {"vote": "abstain"})
    assert (closing.action, closing.actor_id, closing.actor_role, closing.to_state) == (
        "send_back", None, "system", "drafting")
    assert verify_all() is None


def test_abstain_takes_no_score_and_is_not_in_older_workflow_versions(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    with pytest.raises(Invalid) as refused:
        fire_event(a, "abstain", members.com_a1, score=80)
    assert refused.value.fields == {"score": "not_accepted"}
    db.session.rollback()
    a.cycle.workflow_version = 2  # a cycle opened before 弃权 keeps its rules
    assert "abstain" not in allowed_events(members.com_a1, a)
    with pytest.raises(NotFound):
        fire_event(a, "abstain", members.com_a1)
    db.session.rollback()


def test_a_new_round_after_resubmission(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    _vote(members, a, "com_a1", score=90)
    _vote(members, a, "com_a2", event="send_back", comment="请补充材料")
    _vote(members, a, "com_a3", event="send_back", comment="请补充材料")
    assert a.state == "drafting"
    fire_event(a, "submit", members.a1)
    fire_event(a, "approve", members.sup_a, score=80)
    db.session.commit()
    assert committee.round_votes(a) == []
    _vote(members, a, "com_a1", score=70)  # may decide again: a new round
    _vote(members, a, "com_a3", score=80)
    assert a.state == "secretary_approval"
    assert db.session.scalar(select(Review.score).where(
        Review.stage == "committee_review", Review.decision == "approve")) == Decimal("75.00")


def test_committee_score_is_required_when_the_stage_scores(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    with pytest.raises(Invalid) as refused:
        fire_event(a, "approve", members.com_a1, comment="同意")
    assert refused.value.fields == {"score": "required"}


def test_recused_member_can_neither_see_nor_act(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    entry = declare_conflict(a, members.com_a2, "被考核人是我的亲属")
    db.session.commit()
    assert (entry.action, entry.comment, a.version) == (
        "declare_conflict", "被考核人是我的亲属", entry.seq)
    assert "committee" not in relations(members.com_a2, a)
    assert not can_view(members.com_a2, a)
    assert a not in db.session.scalars(tasks(members.com_a2)).all()
    assert a not in db.session.scalars(visible(members.com_a2)).all()
    with pytest.raises(NotAllowed):
        fire_event(a, "approve", members.com_a2, score=99)
    db.session.rollback()
    with pytest.raises(NotAllowed):
        declare_conflict(a, members.com_a2, "再次声明")
    assert committee.tally(a)["eligible"] == 2  # com_a1 and com_a3


def test_recusal_can_complete_the_rule(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    _vote(members, a, "com_a1", score=90)
    _vote(members, a, "com_a2", score=80)
    declare_conflict(a, members.com_a3, "回避")
    db.session.commit()
    assert a.state == "secretary_approval"
    closing = history("assessment", a.id)[-1]
    assert (closing.action, closing.actor_id, closing.actor_role) == ("approve", None, "system")
    assert closing.data == {"score": "85.00"}
    assert verify_all() is None


def test_cannot_declare_after_deciding(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    _vote(members, a, "com_a1", score=90)
    with pytest.raises(Conflict):
        declare_conflict(a, members.com_a1, "太晚了")


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_recusal_needs_a_reason(members, create_cycle, reason):
    a = _at_committee(members, create_cycle, "any")
    with pytest.raises(Invalid) as refused:
        declare_conflict(a, members.com_a1, reason)
    assert refused.value.fields == {"reason": "required"}


@pytest.mark.parametrize("name", ["sup_a", "sec_a", "a2", "com_b", "audit"])
def test_only_committee_members_of_the_unit_declare(members, create_cycle, name):
    a = _at_committee(members, create_cycle, "any")
    with pytest.raises(NotAllowed):
        declare_conflict(a, members.users[name], "理由")


def test_nobody_acts_on_their_own_assessment(members, create_cycle):
    members.users["com_self"] = make_user("com_self", members.units["a"],
                                          ["committee", "cadre"], supervisor=members.sup_a)
    db.session.commit()
    a = _at_committee(members, create_cycle, "all", cadre="com_self")
    me = members.com_self
    assert relations(me, a) == {"cadre"}
    assert me.id not in {u.id for u in committee.eligible_members(a)}
    assert a not in db.session.scalars(tasks(me)).all()
    for action in (lambda: fire_event(a, "approve", me, score=100),
                   lambda: declare_conflict(a, me, "本人")):
        with pytest.raises(NotAllowed):
            action()
    for name in ("com_a1", "com_a2", "com_a3"):  # "all" = the three others
        _vote(members, a, name, score=90)
    assert a.state == "secretary_approval"


def test_other_members_votes_do_not_make_my_page_stale(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    loaded = a.version  # com_a2 opens the page now …
    _vote(members, a, "com_a1", score=90)  # … com_a1 votes meanwhile
    fire_event(a, "approve", members.com_a2, score=80, version=loaded)  # still accepted
    db.session.commit()
    assert len(committee.round_votes(a)) == 2
    before_round = a.stage_seq - 1
    with pytest.raises(Conflict) as stale:  # a page from before this round is stale
        fire_event(a, "approve", members.com_a3, score=70, version=before_round)
    assert stale.value.code == "stale_version"

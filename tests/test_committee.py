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
from workflow_app.errors import Conflict, Invalid, NotAllowed
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
    assert (last.comment, last.data, last.actor_role) == ("同意", {"score": "91.00"}, "committee")
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


def test_send_back_by_one_member_sends_back_at_once(members, create_cycle):
    a = _at_committee(members, create_cycle, "all")
    _vote(members, a, "com_a1", score=90)
    _vote(members, a, "com_a2", event="send_back", comment="请补充材料")
    assert a.state == "drafting"
    review = db.session.scalars(select(Review).where(Review.stage == "committee_review")).one()
    assert (review.decision, review.comment) == ("send_back", "请补充材料")


def test_a_new_round_after_resubmission(members, create_cycle):
    a = _at_committee(members, create_cycle, "majority")
    _vote(members, a, "com_a1", score=90)
    _vote(members, a, "com_a2", event="send_back", comment="请补充材料")
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

"""A committee batch (votes written and tallied together, issue 12) gives each item
exactly what the same decision gives it one by one through `fire_event`: the same vote
rows, audit entries, reviews, notifications and outcome.

Two mirrored sets of items in the same unit, c0… and d0…, get the same earlier votes and
recusals; com_a1 then decides the c items in one batch request and the d items one at
a time. The clock does not move, so even the timestamps must agree.
"""

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments import views_queue
from workflow_app.assessments.conflicts import declare_conflict
from workflow_app.assessments.models import Assessment, CommitteeVote, Review
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.assessments.views import event_rules
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.verify import verify_all
from workflow_app.errors import DomainError
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification

# What happened before com_a1 decides, per item: votes (member, event) and recusals.
SCENES = [
    ((), ()),  # com_a1 is the first to vote
    ((("com_a2", "approve"),), ()),
    ((("com_a2", "send_back"),), ()),
    ((("com_a2", "approve"),), ("com_a3",)),  # com_a3 stepped out
    ((("com_a2", "send_back"), ("com_a3", "abstain")), ()),
    ((("com_a1", "approve"),), ()),  # com_a1 already voted: refused
    ((), ("com_a1",)),  # com_a1 stepped out: refused
]
COMMENT = "同意，成绩突出"


def _setup(world, create_cycle, rule):
    unit = world.units["a"]
    world.users["com_a3"] = make_user("com_a3", unit, ["committee"])
    for side in "cd":
        for i in range(len(SCENES)):
            world.users[f"{side}{i}"] = make_user(f"{side}{i}", unit, ["cadre"],
                                                  supervisor=world.sup_a)
    db.session.commit()
    cycle = create_cycle()
    cycle.committee_rule = rule
    for side in "cd":
        for i, (votes, recused) in enumerate(SCENES):
            a = _start(world, f"{side}{i}")
            for member in recused:
                declare_conflict(a, world.users[member], "亲属")
            for member, event in votes:
                _fire(a, event, world.users[member], score="70" if event == "approve" else None,
                      comment="再核实" if event == "send_back" else "")
    db.session.commit()


def _start(world, name):
    user = world.users[name]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == user.id))
    save_report(a, user, FULL_REPORT)
    fire_event(a, "submit", user)
    fire_event(a, "approve", world.sup_a, score=80)
    return a


def _fire(a, event, actor, score=None, comment="", version=None, client_addr=""):
    try:
        with db.session.begin_nested():
            fire_event(a, event, actor, score=score, comment=comment, version=version,
                       client_addr=client_addr)
    except DomainError:
        pass


def _items(world, side):
    ids = [world.users[f"{side}{i}"].id for i in range(len(SCENES))]
    rows = db.session.scalars(select(Assessment).where(Assessment.cadre_id.in_(ids))).all()
    by_cadre = {a.cadre_id: a for a in rows}
    return [by_cadre[i] for i in ids]


def _snapshot(world, side):
    """Everything the decision wrote, per item index, with the side's ids taken out."""
    db.session.expire_all()
    items = _items(world, side)
    index = {a.id: i for i, a in enumerate(items)}
    cadres = {a.cadre_id: f"cadre{i}" for i, a in enumerate(items)}

    def rows(model, key, *columns):
        query = select(model).where(key.in_(index)).order_by(model.id)
        if model is AuditEntry:
            query = query.where(AuditEntry.subject_type == "assessment")
        found = db.session.scalars(query)
        return sorted(((index[getattr(r, key.key)],
                        *[_named(cadres, getattr(r, c)) for c in columns])
                       for r in found), key=repr)
    return {
        "items": [(a.state, a.version, a.stage_seq, a.score) for a in items],
        "votes": rows(CommitteeVote, CommitteeVote.assessment_id, "member_id", "round",
                      "report_revision", "decision", "score", "comment", "created_at"),
        "reviews": rows(Review, Review.assessment_id, "stage", "reviewer_id", "decision",
                        "score", "comment", "report_revision", "created_at"),
        "audit": rows(AuditEntry, AuditEntry.subject_id, "seq", "actor_id", "actor_role",
                      "on_behalf_of_id", "action", "from_state", "to_state", "comment",
                      "data", "at", "client_addr"),
        "notes": sorted(((index[int(key[1:])], _named(cadres, n.user_id), n.kind,
                          rest.replace(f":{n.user_id}:", f":{_named(cadres, n.user_id)}:"))
                         for n in db.session.scalars(select(Notification))
                         for key, _, rest in [(n.dedup_key or "").partition(":")]
                         if key[1:].isdigit() and int(key[1:]) in index), key=repr),
    }


def _named(cadres, value):
    return cadres.get(value, value) if isinstance(value, int) else value


@pytest.mark.parametrize("rule", ["majority", "all", "any"])
@pytest.mark.parametrize("event", ["approve", "send_back"])
def test_committee_batch_equals_one_by_one(auth, world, create_cycle, rule, event,
                                           monkeypatch):
    _setup(world, create_cycle, rule)
    careful = []  # the items the batch left to the one-by-one path
    one = views_queue._one
    monkeypatch.setattr(views_queue, "_one", lambda ident, *args, **kw: careful.append(
        ident) or one(ident, *args, **kw))
    score = "88" if event == "approve" else ""
    web = auth.user("com_a1")
    items = [f"{a.id}:{a.version}" for a in _items(world, "c")]
    resp = web.post("/tasks/batch", {"event": event, "items": items, "confirmed": "yes",
                                     "batch-comment": COMMENT, "batch-score": score})
    assert resp.status_code == 200
    for a in _items(world, "d"):
        given = score if event_rules(a, event).get("score") else None
        _fire(a, event, world.com_a1, score=given, comment=COMMENT, version=a.version,
              client_addr="127.0.0.1")
    db.session.commit()
    batch, one_by_one = _snapshot(world, "c"), _snapshot(world, "d")
    for part in batch:
        assert batch[part] == one_by_one[part], part
    assert len({s for s, *_ in batch["items"]}) > 1  # some closed, some did not
    # One by one only what the scope refused (decided earlier, voted, recused) or what
    # the tally handed back; the first scene is always the batch's.
    assert _items(world, "c")[0].id not in careful
    if rule == "majority":
        assert len(careful) <= 3
    assert verify_all() is None


def test_a_vote_cast_meanwhile_sends_the_batch_the_careful_way(auth, world, create_cycle,
                                                                monkeypatch):
    """The unique key catches a vote cast between the scope query and the batch's INSERT:
    the batch is rolled back and redone one by one (each vote still recorded once)."""
    from workflow_app.assessments import batch_votes

    _setup(world, create_cycle, "majority")
    items = _items(world, "c")[:2]
    members = batch_votes.prefetch_holders  # read after the items, before the INSERT

    def vote_meanwhile(role, units):
        a = items[0]
        db.session.execute(CommitteeVote.__table__.insert().values(
            assessment_id=a.id, member_id=world.com_a1.id, round=a.stage_seq,
            report_revision=1, decision="approve", score=70, comment="", created_at=a.state_since))
        return members(role, units)
    monkeypatch.setattr(batch_votes, "prefetch_holders", vote_meanwhile)
    careful = []
    one = views_queue._one
    monkeypatch.setattr(views_queue, "_one", lambda ident, *args, **kw: careful.append(
        ident) or one(ident, *args, **kw))
    resp = auth.user("com_a1").post("/tasks/batch", {
        "event": "approve", "items": [f"{a.id}:{a.version}" for a in items],
        "confirmed": "yes", "batch-comment": COMMENT, "batch-score": "88"})
    assert resp.status_code == 200 and "成功 2 项" in resp.get_data(as_text=True)
    assert careful == [a.id for a in items]
    votes = db.session.scalars(select(CommitteeVote).where(
        CommitteeVote.member_id == world.com_a1.id,
        CommitteeVote.assessment_id.in_([a.id for a in items]))).all()
    assert sorted(v.assessment_id for v in votes) == sorted(a.id for a in items)
    assert verify_all() is None

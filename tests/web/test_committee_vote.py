"""The two committees vote 同意 / 不同意 / 弃权 (issue 11, items 12-14): the member's one
vote form with the tally and what the rule will decide, the API's vote, a batch refusal
that names its field, and a recusal whose reason the person assessed never reads.

东街社区 gets a third committee member, com_a3; the cycle's rule is "majority" (2 of 3).
"""

import re

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments.conflicts import declare_conflict
from workflow_app.assessments.models import Assessment, Review
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db

REASON = "本人与被考核人为近亲属，申请回避"


def _text(resp):
    return resp.get_data(as_text=True)


@pytest.fixture
def at_committee(world, create_cycle):
    world.users["com_a3"] = make_user("com_a3", world.units["a"], ["committee"])
    cycle = create_cycle()
    cycle.committee_rule = "majority"
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "approve", world.sup_a, score=85)
    db.session.commit()
    return a


def _vote(web, a, decision, **fields):
    page = _text(web.get(f"/assessments/{a.id}"))
    version = re.search(r'name="vote-version" type="hidden" value="(\d+)"', page).group(1)
    data = {"vote-version": version, **{f"vote-{k}": v for k, v in fields.items()}}
    if decision:
        data["vote-decision"] = decision
    return web.post(f"/assessments/{a.id}/vote", data)


def _tally(html):
    return re.search(r'id="tally"><strong>([^<]*)</strong>', html).group(1)


def test_one_vote_form_with_the_tally_and_what_the_rule_decides(auth, world, at_committee):
    com1 = auth.user("com_a1")
    page = _text(com1.get(f"/assessments/{at_committee.id}"))
    assert 'class="decision decision-approve"' not in page  # not the supervisor's form
    for value, label in (("approve", "同意"), ("send_back", "不同意"), ("abstain", "弃权")):
        assert f'value="{value}"' in page and f"<strong>{label}</strong>" in page
    assert _tally(page) == "同意 0 · 不同意 0 · 弃权 0 · 未表决 3"
    assert "须至少 2 名成员（共 3 名）参加表决；弃权计入参加表决人数，但不计为同意。" in page
    assert "再有 2 名成员同意即进入下一环节；再有 2 名成员不同意或弃权即退回。" in page
    resp = _vote(com1, at_committee, "abstain", comment="情况不了解")
    assert resp.status_code == 302
    page = _text(auth.user("com_a2").get(f"/assessments/{at_committee.id}"))
    assert "还有 2 名成员未表决" in _text(com1.get(resp.headers["Location"]))
    assert _tally(page) == "同意 0 · 不同意 0 · 弃权 1 · 未表决 2"
    assert "com_a1 · <strong>弃权</strong>" in page and "未表决： com_a2, com_a3" in page
    # com_a2 is told that a 不同意 or a 弃权 now decides: 2 of 3 can no longer agree
    decides = dict(re.findall(r'id="decides-(\w+)">([^<]*)<', page))
    assert decides == {"approve": "选此项尚不形成决定：等待其他成员表决。",
                       "send_back": "选此项即形成决定：本项连同理由退回被考核人。",
                       "abstain": "选此项即形成决定：本项连同理由退回被考核人。"}


@pytest.mark.parametrize(("decision", "fields", "field", "message"), [
    (None, {"comment": "意见保留"}, "decision", "此项为必填项。"),
    ("send_back", {"comment": "  "}, "comment", "选择不同意时请写明理由。"),
    ("approve", {"comment": "意见保留"}, "score", "此项为必填项。"),
    ("approve", {"score": "101", "comment": "意见保留"}, "score", "数值超出允许范围。"),
])
def test_a_refused_vote_says_what_is_missing_and_keeps_the_text(
        auth, world, at_committee, fresh, decision, fields, field, message):
    resp = _vote(auth.user("com_a1"), at_committee, decision, **fields)
    assert resp.status_code == 422
    html = _text(resp)
    assert f'id="vote-{field}-error">{message}' in html
    if fields["comment"].strip():
        assert fields["comment"] in html
    assert fresh(Assessment, at_committee.id).version == at_committee.version


def test_disagreeing_by_the_rule_sends_back_with_every_reason(auth, world, at_committee,
                                                            fresh):
    first = _vote(auth.user("com_a1"), at_committee, "send_back", comment="重点工作缺少数据")
    assert first.status_code == 302
    assert fresh(Assessment, at_committee.id).state == "committee_review"  # 2 may agree
    com2 = auth.user("com_a2")
    second = _vote(com2, fresh(Assessment, at_committee.id), "send_back",
                   comment="请补充入户台账")
    assert "已退回被考核人，并附各成员的理由" in _text(com2.get(second.headers["Location"]))
    assert fresh(Assessment, at_committee.id).state == "drafting"
    page = _text(auth.user("a1").get(f"/assessments/{at_committee.id}"))
    assert "com_a1：重点工作缺少数据\ncom_a2：请补充入户台账" in page
    review = db.session.scalar(select(Review).where(Review.stage == "committee_review"))
    assert review.decision == "send_back"


@pytest.mark.parametrize("who", ["sup_a", "sec_a", "a1", "com_b"])
def test_only_the_units_committee_votes(auth, world, at_committee, fresh, who):
    resp = auth.user(who).post(f"/assessments/{at_committee.id}/vote",
                               {"vote-decision": "approve", "vote-score": "90"})
    assert resp.status_code == 403
    assert fresh(Assessment, at_committee.id).version == at_committee.version


def test_the_api_takes_the_vote_and_shows_the_tally(api, world, at_committee):
    com1, com2 = api.as_user("com_a1"), api.as_user("com_a2")
    assert "abstain" in com1.get(f"/assessments/{at_committee.id}").get_json()[
        "allowed_events"]
    body = com1.fire(at_committee.id, "abstain", comment="情况不了解").get_json()
    assert body["state"] == "committee_review"
    assert {k: body["committee"][k] for k in ("rule", "agree", "disagree", "abstain",
                                              "not_voted", "quorum", "needed")} == {
        "rule": "majority", "agree": 0, "disagree": 0, "abstain": 1, "not_voted": 2,
        "quorum": 2, "needed": 2}
    assert body["history"][-1]["data"] == {"vote": "abstain"}
    refused = com2.fire(at_committee.id, "send_back")
    assert refused.status_code == 422 and refused.get_json()["fields"]["comment"]["code"] == (
        "required")
    back = com2.fire(at_committee.id, "send_back", comment="材料不全").get_json()
    assert back["state"] == "drafting" and back["committee"] is None
    spec = api.get("/openapi.json").get_json()
    assert "abstain" in spec["paths"]["/assessments/{id}/events/{event}"]["post"]["summary"]


def test_a_batch_refusal_names_the_field_per_item(auth, world, create_cycle):
    create_cycle()
    items = []
    for name in ("a1", "a2"):
        a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.users[
            name].id))
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
        fire_event(a, "approve", world.sup_a)
        items.append(f"{a.id}:{a.version}")
    db.session.commit()
    html = _text(auth.user("com_a1").post("/tasks/batch", {
        "items": items, "event": "approve", "confirmed": "yes"}))
    results = html[html.index('id="batch-results"'):]
    assert "成功 0 项，未办理 2 项。" in results
    assert results.count("未办理 — 评分：此项为必填项。") == 2


# Who reads why a member stepped aside: not the person assessed, nor their supervisor or
# secretary; the committee, the organisation department and the auditor do.
READERS = [("a1", False), ("sup_a", False), ("sec_a", False), ("com_a2", True),
           ("admin", True), ("audit", True)]


@pytest.mark.parametrize(("who", "reads"), READERS)
def test_a_recusal_reason_only_for_those_who_may_read_it(auth, api, world, at_committee,
                                                          who, reads):
    declare_conflict(at_committee, world.com_a1, REASON)
    db.session.commit()
    page = _text(auth.user(who).get(f"/assessments/{at_committee.id}"))
    history = page[page.index('class="timeline"'):]
    assert "声明回避" in history and "com_a1" in history  # that a member stepped aside
    assert (REASON in page) is reads
    assert ("回避理由不公开" in history) is not reads
    body = api.as_user(who).get(f"/assessments/{at_committee.id}").get_json()
    entry = next(e for e in body["history"] if e["event"] == "declare_conflict")
    assert entry["actor_id"] == world.com_a1.id
    assert entry["comment"] == (REASON if reads else "")

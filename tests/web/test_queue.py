"""The reviewer's queue: filters, counts, due dates, paging at scale, batch decisions."""

import re
import time

import pytest
from sqlalchemy import event, select

from tests.factories import FULL_REPORT, bulk_waiting_items, make_user
from workflow_app.assessments.models import Assessment, CommitteeVote, Review
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


def _aid(world, name, cycle=None):
    query = select(Assessment).where(Assessment.cadre_id == world.users[name].id)
    if cycle is not None:
        query = query.where(Assessment.cycle_id == cycle.id)
    return db.session.scalar(query)


def _submit(world, *names, cycle=None):
    for name in names:
        a = _aid(world, name, cycle)
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
    db.session.commit()


def _listed(html):
    """Assessment ids in the order the queue lists them."""
    return [int(i) for i in re.findall(r'name="items" value="(\d+):\d+"', html)]


@pytest.fixture
def submitted(world, create_cycle):
    cycle = create_cycle()
    _submit(world, "a1", "a2", "a3", "b1")
    return cycle


def test_queue_lists_counts_and_due_dates(auth, world, submitted):
    html = _text(auth.user("sup_a").get("/tasks"))
    ids = {_aid(world, n).id for n in ("a1", "a2", "a3", "sup_a")}
    assert set(_listed(html)) == ids
    assert _aid(world, "b1").id not in _listed(html)  # another supervisor's cadre
    start = html.index('class="chips"')
    chips = re.sub(r"\s+", " ", html[start:html.index("</nav>", start)])
    assert "全部 <span class=\"count\">4</span>" in chips
    assert "上级审核 <span class=\"count\">3</span>" in chips
    assert "填写中 <span class=\"count\">1</span>" in chips
    # Due 3 working days after 04-01: 04-04 to 04-06 are the Qingming holiday.
    assert "已逾期" in chips and "2026-04-07</time>" in html


def test_overdue_items_are_shown_plainly_and_filtered(auth, world, submitted, clock):
    clock.advance(days=7)
    sup = auth.user("sup_a")
    html = _text(sup.get("/tasks"))
    assert html.count('class="badge-overdue"') == 3  # a1-a3; sup_a's own draft is not due yet
    overdue = _text(sup.get("/tasks?overdue=y"))
    assert set(_listed(overdue)) == {_aid(world, n).id for n in ("a1", "a2", "a3")}


@pytest.mark.parametrize(("query", "expected"), [
    ("state=supervisor_review", {"a1", "a2", "a3"}),
    ("state=drafting", {"sup_a"}),
    ("state=nonsense", {"a1", "a2", "a3", "sup_a"}),  # unknown values are ignored
    ("cycle=999", {"a1", "a2", "a3", "sup_a"}),
])
def test_filters(auth, world, submitted, query, expected):
    html = _text(auth.user("sup_a").get(f"/tasks?{query}"))
    assert set(_listed(html)) == {_aid(world, n).id for n in expected}


def test_filter_by_cycle_and_unit_and_sort(auth, world, create_cycle):
    world.users["sec_town"] = make_user("sec_town", world.units["town"], ["secretary"])
    q1 = create_cycle(committee_stage=False)
    q2 = create_cycle(committee_stage=False, name="2026年第二季度平时考核", quarter=2)
    for cycle in (q1, q2):
        _submit(world, "a1", "b1", cycle=cycle)
        for name, sup in (("a1", world.sup_a), ("b1", world.sup_b)):
            fire_event(_aid(world, name, cycle), "approve", sup)
    db.session.commit()
    sec = auth.user("sec_town")
    everything = _text(sec.get("/tasks"))
    assert len(_listed(everything)) == 4 and "第二季度" in everything
    only_q2_a = _text(sec.get(f"/tasks?cycle={q2.id}&unit={world.units['a'].id}"))
    assert _listed(only_q2_a) == [_aid(world, "a1", q2).id]
    ordered = _listed(_text(sec.get("/tasks?sort=due")))
    assert ordered == sorted(ordered)  # same due moment: by id
    assert _listed(_text(sec.get("/tasks?sort=due_desc"))) == sorted(ordered, reverse=True)


def test_paging_stays_fast_with_thousands(auth, world, create_cycle, clock, app):
    create_cycle()
    bulk_waiting_items(world, 3000, clock)
    sup = auth.user("sup_a")
    statements = []
    listener = lambda *args: statements.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        started = time.perf_counter()
        html = _text(sup.get("/tasks?page=40&sort=due"))
        elapsed = time.perf_counter() - started
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(_listed(html)) == 20 and 'rel="next"' in html and "第 40 页" in html
    assert "上级审核 <span class=\"count\">3000</span>" in html
    assert len(statements) <= 20, len(statements)  # a page, never the whole queue
    assert elapsed < 3, elapsed
    overdue = _text(sup.get("/tasks?overdue=y"))
    assert re.search(r'已逾期 <span class="count">1\d\d\d</span>', overdue)


# --- batch decisions --------------------------------------------------------------------

def _batch(web, items, event_name, **fields):
    data = {f"batch-{k}": v for k, v in fields.items()}
    data["event"] = event_name
    data["items"] = items
    data["confirmed"] = "yes"
    return web.post("/tasks/batch", data)


def _item(a):
    return f"{a.id}:{a.version}"


def test_batch_approve_each_item_on_its_own(auth, world, submitted, fresh):
    a1, a2, a3 = (_aid(world, n) for n in ("a1", "a2", "a3"))
    stale = f"{a3.id}:{a3.version - 1}"
    other_unit = _item(_aid(world, "b1"))
    resp = _batch(auth.user("sup_a"), [_item(a1), _item(a2), stale, other_unit, "junk"],
                  "approve", comment="同意", score="88")
    assert resp.status_code == 200
    html = _text(resp)
    results = html[html.index('id="batch-results"'):html.index("</section>")]
    assert "成功 2 项，未办理 3 项。" in results  # the junk item is refused on its own
    assert "#junk" in results
    assert "a3" in results and "该事项已由他人办理" in results
    assert "您无权进行此操作。" in results  # b1 is not sup_a's to decide
    for aid, state in ((a1.id, "committee_review"), (a2.id, "committee_review"),
                       (a3.id, "supervisor_review")):
        assert fresh(Assessment, aid).state == state
    reviews = db.session.scalars(select(Review).where(Review.decision == "approve")).all()
    assert sorted((r.assessment_id, str(r.score), r.comment) for r in reviews) == [
        (a1.id, "88.00", "同意"), (a2.id, "88.00", "同意")]
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "approve")).all()
    assert sorted(e.subject_id for e in entries) == [a1.id, a2.id]  # one entry per item


def test_batch_send_back_needs_a_comment_and_keeps_the_selection(auth, world, submitted, fresh):
    a1 = _aid(world, "a1")
    resp = _batch(auth.user("sup_a"), [_item(a1)], "send_back", comment="  ")
    assert resp.status_code == 422
    html = _text(resp)
    assert "退回时必须填写意见。" in html and 'id="batch-comment-error"' in html
    assert f'value="{_item(a1)}" id="pick-{a1.id}" data-item checked' in html
    assert fresh(Assessment, a1.id).state == "supervisor_review"


def test_batch_bad_score_is_refused_before_any_item(auth, world, submitted, fresh):
    a1 = _aid(world, "a1")
    resp = _batch(auth.user("sup_a"), [_item(a1)], "approve", score="120", comment="保留的意见")
    assert resp.status_code == 422
    html = _text(resp)
    assert 'id="batch-score-error">数值超出允许范围。' in html and "保留的意见" in html
    assert 'value="120"' in html and fresh(Assessment, a1.id).state == "supervisor_review"


@pytest.mark.parametrize(("items", "event_name", "message"), [
    ([], "approve", "请至少选择一项。"),
    (["x"], "approve", "请至少选择一项。"),
    (None, "explode", "请选择通过或退回。"),
])
def test_batch_refuses_bad_requests(auth, world, submitted, items, event_name, message):
    items = [_item(_aid(world, "a1"))] if items is None else items
    resp = _batch(auth.user("sup_a"), items, event_name)
    assert resp.status_code == 422 and message in _text(resp)


def test_batch_send_back(auth, world, submitted, fresh):
    items = [_item(_aid(world, n)) for n in ("a1", "a2")]
    html = _text(_batch(auth.user("sup_a"), items, "send_back", comment="请补充佐证材料"))
    assert "成功 2 项，未办理 0 项。" in html
    assert {fresh(Assessment, _aid(world, n).id).state for n in ("a1", "a2")} == {"drafting"}


def test_batch_at_the_committee_records_votes(auth, world, submitted, fresh):
    submitted.committee_rule = "all"
    for name in ("a1", "a2"):
        fire_event(_aid(world, name), "approve", world.sup_a)
    db.session.commit()
    items = [_item(_aid(world, n)) for n in ("a1", "a2")]
    refused = _text(_batch(auth.user("com_a1"), items, "approve"))
    assert "成功 0 项，未办理 2 项。" in refused and "此项为必填项。" in refused  # score
    _batch(auth.user("com_a1"), items, "approve", score="90")
    assert db.session.scalar(select(CommitteeVote.id).where(
        CommitteeVote.member_id == world.com_a1.id).limit(1)) is not None
    assert {fresh(Assessment, _aid(world, n).id).state for n in ("a1", "a2")} == {
        "committee_review"}  # com_a2 has not voted yet
    items = [_item(fresh(Assessment, _aid(world, n).id)) for n in ("a1", "a2")]
    done = _text(_batch(auth.user("com_a2"), items, "approve", score="80"))
    assert "成功 2 项" in done
    assert {fresh(Assessment, _aid(world, n).id).state for n in ("a1", "a2")} == {
        "secretary_approval"}

"""Nothing breaks a running quarter (issue 10): publishing waits for the whole cycle,
people on leave are excluded (不参加本次考核), grading early is a trial run (试算),
and a re-review is ranked against everyone, not alone.

Unit 东街社区 has a1, a2, a3 (好 quota floor(40 % × 3) = 1); b1 is in 西街社区.
"""

from collections import Counter

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, FULL_REPORT, exclude_unfinished
from tests.test_grading import _approve, _grade
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.verify import verify_all
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle, publish_cycle


def _of(world, name, cycle):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id, Assessment.cycle_id == cycle.id))


def _states(cycle):
    return dict(db.session.execute(select(Assessment.id, Assessment.state)
                                   .where(Assessment.cycle_id == cycle.id)).all())


def test_publish_is_refused_over_the_api_with_counts_per_state(world, create_cycle, api):
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95})
    a2 = _of(world, "a2", cycle)
    save_report(a2, world.a2, FULL_REPORT)
    fire_event(a2, "submit", world.a2)
    db.session.commit()
    before = _states(cycle)
    resp = api.as_user("admin").post(f"/cycles/{cycle.id}/publish")
    body = resp.get_json()
    assert resp.status_code == 409 and body["error"] == "incomplete"
    waiting = [s for s in before.values() if s != "approved"]
    assert body["counts"] == dict(Counter(waiting)) and body["counts"]["supervisor_review"] == 1
    assert set(body["assessment_ids"]) == {a for a, s in before.items() if s != "approved"}
    assert "尚未完成" in body["message"]
    assert _states(cycle) == before and db.session.get(Cycle, cycle.id).status == "open"


def test_a_drafter_keeps_the_window_after_a_refused_publish(world, create_cycle, api):
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95})
    api.as_user("admin").post(f"/cycles/{cycle.id}/publish")
    a2 = _of(world, "a2", cycle)
    save_report(a2, world.a2, FULL_REPORT)
    fire_event(a2, "submit", world.a2)  # would be "不在填报时间内" after a publish
    assert a2.state == "supervisor_review"


EXCLUDE_REFUSALS = [
    # who, reason, error
    ("sup_a", "病假", NotAllowed),
    ("a1", "病假", NotAllowed),
    ("audit", "病假", NotAllowed),
    ("town_admin", "病假", NotAllowed),  # admin of another subtree
    ("admin", "", Invalid),
]


@pytest.mark.parametrize(("who", "reason", "error"), EXCLUDE_REFUSALS)
def test_exclude_needs_the_org_admin_and_a_reason(world, create_cycle, who, reason, error):
    cycle = create_cycle()
    a2 = _of(world, "a2", cycle)
    with pytest.raises(error):
        fire_event(a2, "exclude", world.users[who], reason=reason)
    db.session.rollback()
    assert _of(world, "a2", cycle).state == "drafting"


@pytest.mark.parametrize("stage", ["drafting", "supervisor_review", "committee_review",
                                   "secretary_approval"])
def test_exclude_from_drafting_or_any_review_stage(world, create_cycle, stage):
    cycle = create_cycle()
    a = _of(world, "a2", cycle)
    steps = [("submit", world.a2, {}), ("approve", world.sup_a, {"score": 90}),
             ("approve", world.com_a1, {"score": 90})]
    save_report(a, world.a2, FULL_REPORT)
    for event, actor, params in steps:
        if a.state == stage:
            break
        fire_event(a, event, actor, **params)
    fire_event(a, "exclude", world.admin, reason="借调市委办公室")
    db.session.commit()
    assert a.state == "excluded"
    with pytest.raises(WrongState):
        fire_event(a, "submit", world.a2)
    assert verify_all() is None


def test_approved_results_cannot_be_excluded(world, create_cycle):
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95})
    with pytest.raises(WrongState):
        fire_event(_of(world, "a1", cycle), "exclude", world.admin, reason="调离")


def test_excluded_take_no_quota_and_publishing_then_goes_ahead(world, create_cycle):
    """Four in the town: a1 95, a2 92 approved; a3 and b1 excluded. The 好 quota of
    东街社区 counts the two assessed there (floor(0.4 × 2) = 0), not three."""
    cycle = create_cycle()
    for name, score in (("a1", 95), ("a2", 92)):
        _approve(world, name, score)
    exclude_unfinished(cycle, world.admin)
    grade_cycle(cycle, world.admin)
    published = publish_cycle(cycle, world.admin)
    db.session.commit()
    assert {a.cadre.username for a in published} == {"a1", "a2"}
    assert {_of(world, n, cycle).grade for n in ("a1", "a2")} == {"较好"}
    assert _of(world, "a3", cycle).state == "excluded" and _of(world, "a3", cycle).grade is None


def test_grading_before_the_cycle_is_done_is_a_preview_that_closes_nothing(world,
                                                                           create_cycle):
    cycle = create_cycle()
    _approve(world, "a1", 95)
    summary = grade_cycle(cycle, world.admin)
    db.session.commit()
    assert summary["preview"] is True and db.session.get(Cycle, cycle.id).status == "open"
    exclude_unfinished(cycle, world.admin)
    assert grade_cycle(cycle, world.admin)["preview"] is False


def test_regrading_after_an_upheld_dispute_ranks_against_everyone(world, create_cycle):
    """a1 95 (好), a2 85, a3 70 are published; a3's dispute is upheld and the committee
    now gives 98. Re-grading ranks a3 first and moves the others down, and a3 cannot
    take the 好 already published for a1 (quota 1)."""
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 85, "a3": 70})
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    a3 = _of(world, "a3", cycle)
    fire_event(a3, "dispute", world.a3, reason="漏记重点工作")
    fire_event(a3, "uphold", world.admin, comment="重新审议")
    fire_event(a3, "approve", world.com_a1, score=98)
    fire_event(a3, "approve", world.sec_a)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    ranks = {n: _of(world, n, cycle).rank for n in ("a1", "a2", "a3")}
    assert ranks == {"a3": 1, "a1": 2, "a2": 3}
    assert _of(world, "a1", cycle).grade == "好"
    assert _of(world, "a3", cycle).grade == "较好"
    assert "over_quota" in _of(world, "a3", cycle).flags
    bands = {n: [f for f in _of(world, n, cycle).flags if f.startswith("band_")]
             for n in ("a1", "a2", "a3")}
    assert all(len(b) == 1 for b in bands.values())
    assert bands["a3"] == ["band_red"]


@pytest.fixture
def auth(app, client):
    from tests.web.conftest import Auth

    return Auth(app, client)


def test_grading_page_marks_the_preview_and_links_every_blocker(world, create_cycle, auth):
    cycle = create_cycle()
    _approve(world, "a1", 95)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    html = auth.user("admin").get(f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)
    assert 'id="preview-notice"' in html and "试算" in html
    blocking = html[html.index('id="blocking"'):html.index('id="distribution"')]
    for name in ("a2", "a3", "b1"):
        aid = _of(world, name, cycle).id
        assert f'href="/assessments/{aid}"' in blocking
    assert f'href="/assessments/{_of(world, "a1", cycle).id}"' not in blocking
    publish_button = html[html.index('id="publish"'):html.index('id="finalize"')]
    assert "disabled" in publish_button


def test_cycle_status_follows_its_assessments(world, create_cycle, auth, clock):
    """公示中 while the period runs; then 公示期满，待备案; then 已全部备案，可归档."""
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 85})
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    admin = auth.user("admin")

    def status():
        html = admin.get("/admin/cycles").get_data(as_text=True)
        section = html[html.index(f'id="cycle-{cycle.id}"'):]
        return section[section.index('class="cycle-status">') + 21:section.index("</dd>")]

    assert status() == "公示中"
    clock.advance(days=30)
    assert status() == "公示期满，待备案"
    refused = admin.post(f"/admin/cycles/{cycle.id}/status/archive", CONFIRMED,
            follow_redirects=True)
    assert "尚未完成：公示中 2" in refused.get_data(as_text=True)
    from workflow_app.scoring.services import finalize_due

    finalize_due()
    db.session.commit()
    assert status() == "已全部备案，可归档"
    admin.post(f"/admin/cycles/{cycle.id}/status/archive", CONFIRMED)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).status == "archived"


def _confirm_page(resp):
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="confirm-button"' in html, html[:300]
    return html[html.index('id="effects"'):html.index('id="confirm-button"')]


def test_many_people_operations_ask_first_with_counts(world, create_cycle, auth):
    """Run grading, publish, file, archive: the first POST only shows what will happen."""
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 85})
    admin = auth.user("admin")
    grading = _confirm_page(admin.post(f"/admin/cycles/{cycle.id}/grading/run"))
    assert "2 份已审定" in grading and "试算" in grading
    exclude_unfinished(cycle, world.admin)
    before = _states(cycle)
    effects = _confirm_page(admin.post(f"/admin/cycles/{cycle.id}/grading/publish"))
    assert "公示 2 份结果" in effects and "不参加本次考核" in effects
    assert "填报窗口将永久关闭" in effects
    assert _states(cycle) == before and db.session.get(Cycle, cycle.id).status == "open"
    # The confirmation re-posts the same form with confirmed=yes: then it acts.
    admin.post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED)
    db.session.expire_all()
    assert db.session.get(Cycle, cycle.id).status == "published"
    filing = _confirm_page(admin.post(f"/admin/cycles/{cycle.id}/grading/finalize"))
    assert "2 份结果备案" in filing
    archiving = _confirm_page(admin.post(f"/admin/cycles/{cycle.id}/status/archive"))
    assert "不可再修改" in archiving


def test_exclusion_asks_first_and_keeps_the_reason(world, create_cycle, auth):
    cycle = create_cycle()
    a2 = _of(world, "a2", cycle)
    admin = auth.user("admin")
    page = admin.get(f"/assessments/{a2.id}").get_data(as_text=True)
    assert f'action="/assessments/{a2.id}/events/exclude"' in page
    form = {"exclude-reason": "借调市委办公室", "exclude-version": str(a2.version)}
    resp = admin.post(f"/assessments/{a2.id}/events/exclude", form)
    effects = _confirm_page(resp)
    assert "a2" in effects and "借调市委办公室" in effects
    assert 'value="借调市委办公室"' in resp.get_data(as_text=True)  # re-posted as typed
    assert _of(world, "a2", cycle).state == "drafting"
    resp = admin.post(f"/assessments/{a2.id}/events/exclude", {**form, **CONFIRMED})
    # back to the grading page the clerk came from, not left on the person's page
    assert resp.headers["Location"].endswith(f"/admin/cycles/{cycle.id}/grading")
    db.session.expire_all()
    assert _of(world, "a2", cycle).state == "excluded"
    detail = auth.user("a2").get(f"/assessments/{a2.id}").get_data(as_text=True)
    assert "不参加本次考核（不定等次）" in detail


def test_batch_approve_asks_first(world, create_cycle, auth):
    cycle = create_cycle()
    items = []
    for name in ("a1", "a2"):
        a = _of(world, name, cycle)
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
        items.append(f"{a.id}:{a.version}")
    db.session.commit()
    resp = auth.user("sup_a").post("/tasks/batch", {"event": "approve", "items": items})
    assert "所选 2 份将执行" in _confirm_page(resp)
    assert {_of(world, n, cycle).state for n in ("a1", "a2")} == {"supervisor_review"}

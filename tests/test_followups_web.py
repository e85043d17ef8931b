"""Follow-ups through the pages and the JSON API: opened from the cycle's bottom-ranked
list, a measure with owner and due date, done, closed; refusals beside their fields with
what was typed kept; who is refused (another unit's org_admin, a cadre, the auditor)."""

import pytest
from sqlalchemy import select

from tests.test_followups import approve, auth, graded_cycle  # noqa: F401  (fixtures)
from workflow_app.extensions import db
from workflow_app.followups.models import FollowUp


@pytest.fixture
def fu_cycle(graded_cycle):  # noqa: F811
    return graded_cycle()


def test_admin_follows_up_the_last_through_the_pages(world, fu_cycle, auth):  # noqa: F811
    admin = auth.user("admin")
    page = admin.get(f"/cycles/{fu_cycle.id}/follow-ups").get_data(as_text=True)
    assert "排名末位的人员" in page and f"candidate-u{world.a3.id}" in page
    assert f"candidate-o{world.units['a'].id}" in page  # 东街社区: lowest mean
    assert f"candidate-u{world.a1.id}" not in page
    # A date that is no date: 422, beside the candidate's row, the kind kept.
    resp = admin.post(f"/cycles/{fu_cycle.id}/follow-ups",
                      {"user_id": str(world.a3.id), "kind": "reminder_talk",
                       "held_on": "下周三"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "请输入日期" in body and 'value="下周三"' in body
    resp = admin.post(f"/cycles/{fu_cycle.id}/follow-ups",
                      {"user_id": str(world.a3.id), "kind": "reminder_talk", "held_on": ""})
    assert resp.status_code == 303
    f = db.session.scalar(select(FollowUp))
    detail = f"/follow-ups/{f.id}"
    # A measure without an owner: refused beside the field, the text kept.
    page = admin.get(detail).get_data(as_text=True)
    assert "提醒谈话" in page
    resp = admin.post(f"{detail}/measures", {"text": "每周报送入户台账", "owner_id": "",
                                             "due_on": "2026-04-30"})
    assert resp.status_code == 422 and "每周报送入户台账" in resp.get_data(as_text=True)
    assert admin.post(f"{detail}/measures", {"text": "每周报送入户台账",
                                             "owner_id": str(world.a3.id),
                                             "due_on": "2026-04-30"}).status_code == 303
    resp = admin.post(f"{detail}/close", {"outcome": "已整改", "version": ""})
    assert resp.status_code == 409 and "销号前请先填写" in resp.get_data(as_text=True)
    assert admin.post(detail, {"held_on": "2026-04-08", "problems": "进度滞后", "outcome": "",
                               "version": "2"}).status_code == 303
    resp = admin.post(f"{detail}/close", {"outcome": "已整改", "version": ""})
    assert resp.status_code == 409 and "全部整改措施完成后" in resp.get_data(as_text=True)
    db.session.expire_all()  # the requests changed it in their own sessions
    measure = db.session.scalar(select(FollowUp)).measures[0]
    assert admin.post(f"{detail}/measures/{measure.id}/done",
                      {"note": "台账已报送"}).status_code == 303
    assert admin.post(f"{detail}/close", {"outcome": "问题已整改到位",
                                          "version": ""}).status_code == 303
    page = admin.get(detail).get_data(as_text=True)
    assert "问题已整改到位" in page and "close-form" not in page  # closed: read only
    listed = admin.get("/follow-ups").get_data(as_text=True)
    assert f"follow-up-{f.id}" in listed and "1/1" in listed


@pytest.mark.parametrize(("who", "reads", "writes"), [
    ("admin", 200, 303),
    ("audit", 200, 403),       # reads everything, changes nothing
    ("a3", 200, 403),          # the person followed up sees it, cannot change it
    ("a1", 403, 403),          # a colleague
    ("town_admin", 403, 403),  # org_admin of 西街社区 only
])
def test_who_reads_and_writes_a_follow_up_page(world, fu_cycle, auth, who, reads,  # noqa: F811
                                               writes):
    from workflow_app.followups.candidates import open_for_cycle

    f, _ = open_for_cycle(fu_cycle, world.admin, user_id=world.a3.id, kind="reminder_talk")
    db.session.commit()
    web = auth.user(who)
    assert web.get(f"/follow-ups/{f.id}").status_code == reads
    resp = web.post(f"/follow-ups/{f.id}", {"held_on": "2026-04-08", "problems": "x",
                                            "outcome": "", "version": ""})
    assert resp.status_code == writes


def test_the_api_end_to_end(world, fu_cycle, api):
    admin = api.as_user("admin")
    cands = admin.get(f"/cycles/{fu_cycle.id}/follow-up-candidates").get_json()
    assert cands["bottom_n"] == 1
    assert [(c["name"], c["rank"], c["of"]) for c in cands["persons"]] == [("a3", 4, 4)]
    assert [c["name"] for c in cands["units"]] == ["东街社区"]
    body = {"user_id": world.a3.id, "kind": "democratic_life_meeting"}
    resp = admin.post(f"/cycles/{fu_cycle.id}/follow-ups", json=body)
    assert resp.status_code == 201, resp.get_json()
    f = resp.get_json()
    assert (f["reason"], f["reason_data"]["rank"], f["status"]) == ("bottom_ranked", 4, "open")
    again = admin.post(f"/cycles/{fu_cycle.id}/follow-ups", json=body)
    assert again.status_code == 200 and again.get_json()["id"] == f["id"]
    resp = admin.post(f"/cycles/{fu_cycle.id}/follow-ups",
                      json={"user_id": world.a1.id, "kind": "reminder_talk"})
    assert resp.status_code == 422 and resp.get_json()["fields"]["subject"]["code"] == \
        "not_a_candidate"
    unit = admin.post(f"/cycles/{fu_cycle.id}/follow-ups",
                      json={"org_unit_id": world.units["a"].id, "kind": "principal_talk"})
    assert unit.status_code == 201 and unit.get_json()["subject_name"] == "东街社区"
    base = f"/follow-ups/{f['id']}"
    resp = admin.put(base, json={"held_on": "2026-04-08", "problems": "进度滞后",
                                 "version": f["version"]})
    assert resp.status_code == 200 and resp.get_json()["held_on"] == "2026-04-08"
    assert admin.put(base, json={"problems": "x", "version": 1}).status_code == 409  # stale
    resp = admin.post(f"{base}/measures", json={"text": "每周报送台账", "owner_id": world.a3.id,
                                                "due_on": "2026-04-30"})
    assert resp.status_code == 201, resp.get_json()
    measure = resp.get_json()
    assert admin.post(f"{base}/close", json={"outcome": "已整改"}).get_json()["error"] == \
        "open_measures"
    done = admin.post(f"{base}/measures/{measure['id']}/done", json={"note": "已报送"})
    assert done.status_code == 200 and done.get_json()["status"] == "done"
    closed = admin.post(f"{base}/close", json={"outcome": "问题已整改到位"})
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    listed = admin.get(f"/follow-ups?cycle_id={fu_cycle.id}").get_json()
    assert {x["id"] for x in listed} == {f["id"], unit.get_json()["id"]}
    assert api.as_user("audit").get(base).status_code == 200


API_WRITES = [
    ("post", "/cycles/{c}/follow-ups", {"user_id": "{a3}", "kind": "reminder_talk"}),
    ("put", "/follow-ups/{f}", {"problems": "x"}),
    ("post", "/follow-ups/{f}/measures", {"text": "x", "owner_id": "{a3}",
                                          "due_on": "2026-04-30"}),
    ("post", "/follow-ups/{f}/measures/{m}/done", {"note": "x"}),
    ("post", "/follow-ups/{f}/close", {"outcome": "x"}),
]


@pytest.mark.parametrize("who", ["town_admin", "a1", "a3", "audit", "sec_a"])
@pytest.mark.parametrize(("method", "path", "body"), API_WRITES)
def test_the_api_refuses_writes_outside_scope(world, fu_cycle, api, who, method, path, body):
    from workflow_app.followups import services as svc
    from workflow_app.followups.candidates import open_for_cycle

    f, _ = open_for_cycle(fu_cycle, world.admin, user_id=world.a3.id, kind="reminder_talk",
                          held_on="2026-04-08")
    m = svc.add_measure(f, world.admin, text="整改", owner=world.a3, due_on="2026-04-30")
    db.session.commit()
    ids = {"c": fu_cycle.id, "f": f.id, "m": m.id, "a3": world.a3.id}
    body = {k: (ids[v[1:-1]] if isinstance(v, str) and v.startswith("{") else v)
            for k, v in body.items()}
    client = api.as_user(who)
    resp = getattr(client, method)(path.format(**ids), json=body)
    assert resp.status_code == 403, resp.get_json()
    assert resp.get_json()["error"] == "forbidden"

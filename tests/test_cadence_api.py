"""The JSON API for cycles of every cadence (issue 14): create, list and show a monthly
and a half-year cycle; the list shows only cycles the caller reads, filtered by kind."""

from datetime import timedelta

import pytest


def _body(clock, unit_id, **overrides):
    body = {"name": "2026年3月社区工作者月度自评", "kind": "monthly", "year": 2026, "month": 3,
            "workflow": "community_monthly", "org_unit_ids": [unit_id],
            "opens_at": (clock.now - timedelta(hours=1)).isoformat(),
            "submit_deadline": (clock.now + timedelta(days=5)).isoformat()}
    body.update(overrides)
    return body


def test_create_list_and_show_a_month_and_a_half_year(world, api, clock):
    admin = api.as_user("admin")
    month = admin.post("/cycles", json=_body(clock, world.units["a"].id))
    assert month.status_code == 201, month.get_json()
    month = month.get_json()
    assert (month["kind"], month["month"], month["half"], month["quarter"]) == (
        "monthly", 3, None, None)
    assert month["publicity_days"] == 0 and month["workflow"] == "community_monthly"
    half = admin.post("/cycles", json=_body(
        clock, world.units["town"].id, name="2026年上半年专项考核", kind="half_year", month=None,
        half=1, workflow="quarterly")).get_json()
    assert (half["kind"], half["half"], half["publicity_days"]) == ("half_year", 1, 5)
    assert admin.get(f"/cycles/{month['id']}").get_json() == month
    listed = admin.get("/cycles").get_json()
    assert [c["id"] for c in listed] == [half["id"], month["id"]]  # newest first
    assert [c["id"] for c in admin.get("/cycles?kind=monthly").get_json()] == [month["id"]]
    assert [c["id"] for c in admin.get("/cycles?kind=half_year&year=2026").get_json()] == [
        half["id"]]
    assert admin.get("/cycles?year=2025").get_json() == []
    # The auditor reads both; 西街社区's admin and a cadre read neither.
    assert len(api.as_user("audit").get("/cycles").get_json()) == 2
    assert api.as_user("town_admin").get("/cycles").get_json() == []
    assert api.as_user("a1").get("/cycles").get_json() == []
    assert api.as_user("a1").get(f"/cycles/{month['id']}").status_code == 403


@pytest.mark.parametrize(("query", "field"), [
    ("kind=weekly", "kind"), ("year=abc", "year"), ("year=1900", "year"), ("limit=0", "limit"),
])
def test_a_bad_list_filter_is_a_422(world, api, query, field):
    resp = api.as_user("admin").get(f"/cycles?{query}")
    assert resp.status_code == 422 and field in resp.get_json()["fields"]


@pytest.mark.parametrize(("overrides", "field"), [
    ({"month": None}, "month"),
    ({"month": 0}, "month"),
    ({"kind": "half_year", "month": None}, "half"),
    ({"kind": "quarterly", "quarter": 1}, "month"),
])
def test_a_period_that_does_not_fit_the_kind_is_a_422(world, api, clock, overrides, field):
    resp = api.as_user("admin").post("/cycles", json=_body(
        clock, world.units["a"].id, **{"workflow": "quarterly", **overrides}))
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]


def test_a_month_goes_through_its_review_chain_by_api(world, api, clock):
    admin = api.as_user("admin")
    cycle = admin.post("/cycles", json=_body(clock, world.units["a"].id)).get_json()
    assert admin.post(f"/cycles/{cycle['id']}/open").get_json()["created"] == 3
    a1 = api.as_user("a1")
    aid = next(t["id"] for t in a1.get("/tasks").get_json() if t["cycle_id"] == cycle["id"])
    a1.put(f"/assessments/{aid}/report", json={"content": {
        "key_work": "本月走访 60 户",
        "self_scores": dict.fromkeys(("de", "neng", "qin", "ji", "lian"), 90)}})
    for who, event, state, extra in (("a1", "submit", "committee_review", {}),
                                     ("com_a1", "approve", "secretary_approval", {"score": 88}),
                                     ("sec_a", "approve", "leader_review", {}),
                                     ("sup_a", "approve", "approved", {})):
        resp = api.as_user(who).fire(aid, event, **extra)
        assert resp.status_code == 200 and resp.get_json()["state"] == state, resp.get_json()
    # Someone from another community cannot act on it.
    assert api.as_user("com_b").fire(aid, "approve", score=80).status_code in (403, 409)

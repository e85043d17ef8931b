"""Pages and JSON API for task ownership, units' own weights and the 连带考核 (seed 003):
what the org_admin records, what each side sees, and who is refused."""

import re

import pytest
from sqlalchemy import select

from tests import linkage_helpers as q
from tests.factories import make_user
from tests.web.conftest import Auth
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.services import open_cycle
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def qhd(world):
    return q.build(world)


def _open(world, create_cycle):
    return create_cycle(units=[world.units["depts"], world.units["counties"]],
                        committee_stage=False)


def _cycle_item(cycle):
    return db.session.scalar(select(ind.CycleIndicatorItem).where(
        ind.CycleIndicatorItem.cycle_id == cycle.id, ind.CycleIndicatorItem.name == q.LINKED))


def _text(resp):
    return re.sub(r"\s+", " ", resp.get_data(as_text=True))


# --- ownership on the web ------------------------------------------------------------------

def test_admin_records_ownership_and_the_sheet_shows_it(world, qhd, auth):
    sheet = qhd["county"]
    item = q.item_of(sheet, q.LINKED)
    web = auth.user("admin")
    url = f"/admin/indicators/{sheet.id}/items/{item.id}/ownership"
    assert web.get(url).status_code == 200
    resp = web.post(url, data={"lead_unit_id": str(world.units["gx"].id),
                               "lead_cadre": "gx_lead", "linkage_weight": "10",
                               "responsible_unit_ids": [str(world.units["haigang"].id)],
                               "linkage_average": "weighted", "linkage_mode": "replace"})
    assert resp.status_code == 303
    page = _text(web.get(f"/admin/indicators/{sheet.id}/tasks"))
    assert re.search(f"{q.LINKED}</td><td[^>]*>10</td> <td[^>]*>市工信局</td><td[^>]*>gx_lead"
                     "</td> <td[^>]*>海港区</td> <td[^>]*>10</td>", page)


@pytest.mark.parametrize("form, field, message", [
    ({"linkage_weight": "10"}, "linkage_weight", "连带考核的指标须有牵头单位"),
    ({"lead_cadre": "nobody"}, "lead_cadre", ""),
    ({"linkage_weight": "很多"}, "linkage_weight", "请输入数字"),
])
def test_bad_ownership_comes_back_beside_the_field_with_what_was_typed(world, qhd, auth, form,
                                                                       field, message):
    sheet = qhd["county"]
    item = q.item_of(sheet, q.LINKED)
    web = auth.user("admin")
    resp = web.post(f"/admin/indicators/{sheet.id}/items/{item.id}/ownership",
                    data={"linkage_average": "mean", "linkage_mode": "replace", **form})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and f'id="{field}-error"' in page and message in page
    for value in form.values():
        assert f'value="{value}"' in page


@pytest.mark.parametrize("who", ["town_admin", "a1", "audit"])
def test_ownership_pages_are_for_the_citys_org_admin(world, qhd, auth, who):
    sheet = qhd["county"]
    web = auth.user(who)
    item = q.item_of(sheet, q.LINKED)
    assert web.get(f"/admin/indicators/{sheet.id}/tasks").status_code == 403
    resp = web.post(f"/admin/indicators/{sheet.id}/items/{item.id}/ownership",
                    data={"lead_unit_id": str(world.units["gx"].id)})
    assert resp.status_code == 403


# --- units' own weights on the web ----------------------------------------------------------

def test_beidaihe_weights_on_the_web_and_the_sheet_lists_the_unit(world, qhd, auth):
    sheet = qhd["county"]
    unit = world.units["beidaihe"]
    web = auth.user("admin")
    url = f"/admin/indicators/{sheet.id}/units/{unit.id}/weights"
    form = {f"w-{q.item_of(sheet, n).id}": str(w) for n, w in q.BEIDAIHE.items()}
    refused = web.post(url, data={**form, f"w-{q.item_of(sheet, q.RAISED[0]).id}": "8",
                                  "reason": "功能定位"})
    assert refused.status_code == 422 and "合计为 96" in refused.get_data(as_text=True)
    assert 'value="功能定位"' in refused.get_data(as_text=True) or "功能定位</textarea>" in \
        refused.get_data(as_text=True)
    assert web.post(url, data={**form, "reason": "北戴河区功能定位"}).status_code == 303
    index = _text(web.get("/admin/indicators"))
    assert f"北戴河区: {q.LOWERED[0]} 10 → 5" in index
    tasks = _text(web.get(f"/admin/indicators/{sheet.id}/tasks"))
    assert "北戴河区功能定位" in tasks and tasks.count("→") == 0
    back = web.post(url, data={"action": "clear", "reason": "恢复统一权重"})
    assert back.status_code == 303
    assert "北戴河区:" not in _text(web.get("/admin/indicators"))


@pytest.mark.parametrize("who, status", [("town_admin", 403), ("a1", 403), ("audit", 403)])
def test_unit_weights_page_refuses_others(world, qhd, auth, who, status):
    web = auth.user(who)
    url = f"/admin/indicators/{qhd['county'].id}/units/{world.units['beidaihe'].id}/weights"
    assert web.get(url).status_code == status
    assert web.post(url, data={"reason": "x"}).status_code == status


# --- the 连带考核 on both sides -----------------------------------------------------------------

def test_rates_on_the_web_and_both_sides_see_the_linkage(world, qhd, auth, create_cycle):
    q.link(world, qhd["county"])
    cycle = _open(world, create_cycle)
    a = q.approve(world, cycle, "gx1", 90)
    item = _cycle_item(cycle)
    web = auth.user("admin")
    rates = {f"rate-{world.units[k].id}": v for k, v in
             (("haigang", "100"), ("shanhaiguan", "80"), ("beidaihe", "60"))}
    bad = web.post(f"/admin/cycles/{cycle.id}/linkage",
                   data={"item_id": str(item.id), **rates, f"rate-{world.units['haigang'].id}":
                         "-5"})
    assert bad.status_code == 422 and 'value="-5"' in bad.get_data(as_text=True)
    ok = web.post(f"/admin/cycles/{cycle.id}/linkage",
                  data={"item_id": str(item.id), "note": "统计局季报", **rates})
    assert ok.status_code == 303
    page = _text(web.get(f"/admin/cycles/{cycle.id}/linkage"))
    assert "80.00 %" in page and 'class="points">8.00' in page
    grade_cycle(cycle, world.admin)
    db.session.commit()
    lead = _text(web.get(f"/assessments/{a.id}"))
    assert "平均完成率 80.00 % × 连带分值 10 / 100 = 8.00 分" in lead
    assert "市工信局" in lead and "gx_lead" in lead   # ownership in the cadre's report
    beidaihe_cadre = make_user("bdh1", world.units["beidaihe"], ["cadre"])
    db.session.commit()
    open_cycle(cycle, world.admin)  # the newcomer gets an assessment: the county's side
    db.session.commit()
    bdh = q.assessment_of(cycle, beidaihe_cadre)
    page = _text(web.get(f"/assessments/{bdh.id}"))
    assert f"{q.LINKED}：本指标牵头市直单位：市工信局，本县完成率计入其考核。" in page
    assert "已录入完成率：60 %。" in page


@pytest.mark.parametrize("who", ["town_admin", "a1"])
def test_the_linkage_page_refuses_those_outside(world, qhd, auth, create_cycle, who):
    q.link(world, qhd["county"])
    cycle = _open(world, create_cycle)
    web = auth.user(who)
    assert web.get(f"/admin/cycles/{cycle.id}/linkage").status_code == 403
    assert web.post(f"/admin/cycles/{cycle.id}/linkage",
                    data={"item_id": str(_cycle_item(cycle).id)}).status_code == 403


# --- the JSON API -------------------------------------------------------------------------------

def test_api_round_trip(world, qhd, api, create_cycle):
    sheet = qhd["county"]
    admin = api.as_user("admin")
    item = q.item_of(sheet, q.LINKED)
    resp = admin.put(f"/indicator-sheets/{sheet.id}/tasks/{item.id}", json={
        "lead_unit_id": world.units["gx"].id, "lead_cadre_id": world.gx_lead.id,
        "responsible_unit_ids": [world.units["haigang"].id], "linkage_weight": 10,
        "linkage_average": "weighted"})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["lead_unit"] == "市工信局"
    listed = admin.get(f"/indicator-sheets/{sheet.id}/tasks").get_json()
    assert next(t for t in listed if t["item_id"] == item.id)["linkage_weight"] == 10
    weights = {str(q.item_of(sheet, n).id): w for n, w in q.BEIDAIHE.items()}
    resp = admin.put(f"/indicator-sheets/{sheet.id}/unit-weights/{world.units['beidaihe'].id}",
                     json={"weights": weights, "reason": "北戴河区功能定位"})
    assert resp.status_code == 200 and resp.get_json()["differs"] is True
    (listed,) = admin.get(f"/indicator-sheets/{sheet.id}/unit-weights").get_json()
    assert sum(i["weight"] for i in listed["items"]) == 100
    db.session.expire_all()  # the requests wrote in their own sessions
    cycle = _open(world, create_cycle)
    rows = [{"unit_id": world.units[k].id, "rate": v}
            for k, v in (("haigang", 100), ("shanhaiguan", 80), ("beidaihe", 60))]
    resp = admin.put(f"/cycles/{cycle.id}/linkage",
                     json={"item_id": _cycle_item(cycle).id, "completions": rows})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["mean"], body["points"]) == (84.0, 8.4)   # weighted: 北戴河 counts 5
    assert admin.get(f"/cycles/{cycle.id}/linkage").get_json() == [body]


@pytest.mark.parametrize("who, path, method, body, status", [
    ("a1", "/indicator-sheets/{s}/tasks/{i}", "put", {"lead_unit_id": None}, 403),
    ("town_admin", "/indicator-sheets/{s}/tasks/{i}", "put", {}, 403),
    ("admin", "/indicator-sheets/{s}/tasks/{i}", "put", {"lead_unit_id": "{other}"}, 403),
    ("town_admin", "/indicator-sheets/{s}/unit-weights/{bdh}", "put",
     {"weights": {}, "reason": "x"}, 403),
    ("admin", "/indicator-sheets/{s}/unit-weights/{other}", "put",
     {"weights": {}, "reason": "x"}, 403),
    ("admin", "/indicator-sheets/{s}/unit-weights/{bdh}", "put",
     {"weights": {"{i}": 5}, "reason": "x"}, 422),
    ("a1", "/cycles/{c}/linkage", "get", None, 403),
    ("town_admin", "/cycles/{c}/linkage", "put", {"item_id": 1, "completions": []}, 403),
    ("admin", "/cycles/{c}/linkage", "put", {"item_id": "{ci}", "completions": [
        {"unit_id": "{gx}", "rate": 50}]}, 422),
])
def test_api_refusals(world, qhd, api, create_cycle, who, path, method, body, status):
    q.link(world, qhd["county"])
    cycle = _open(world, create_cycle)
    ids = {"s": qhd["county"].id, "i": q.item_of(qhd["county"], q.LINKED).id, "c": cycle.id,
           "ci": _cycle_item(cycle).id, "bdh": world.units["beidaihe"].id,
           "other": world.units["other_root"].id, "gx": world.units["gx"].id}

    def fill(value):
        if isinstance(value, str) and value.startswith("{"):
            return ids[value.strip("{}")]
        if isinstance(value, dict):
            return {str(fill(k)): fill(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fill(v) for v in value]
        return value
    client = api.as_user(who)
    url = path.format(**ids)
    resp = client.get(url) if method == "get" else client.put(url, json=fill(body))
    assert resp.status_code == status, resp.get_json()

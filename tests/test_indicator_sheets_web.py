"""Indicator sheets on the web and through the API: the admin's pages, entries recorded
on the web, who may read a cycle's copy and who may edit sheets."""

import re

import pytest
from sqlalchemy import select

from tests.indicator_helpers import assessment_of, item_named, sheet
from tests.web.conftest import Auth
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import record_adjustment
from workflow_app.extensions import db


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def _sheet_form(data):
    form = {"category": data["category"], "name": data["name"],
            "bonus_cap": str(data["bonus_cap"]), "penalty_cap": str(data["penalty_cap"]),
            "action": "save"}
    for n, item in enumerate(data["items"]):
        form.update({f"items-{n}-{k}": str(v) for k, v in item.items()})
    return form


def test_admin_creates_a_sheet_and_a_bad_one_keeps_what_was_typed(world, auth):
    auth.login("admin")
    page = auth.main.get("/admin/indicators/new").get_data(as_text=True)
    assert "党的建设成效" in page and "高质量发展绩效" in page  # the defaults
    bad = _sheet_form(sheet(weights=(45, 50)))
    resp = auth.main.post("/admin/indicators/new", data=bad)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "共性指标和个性指标的权重合计为 95" in html
    assert 'value="45"' in html and 'value="表彰奖励"' in html
    resp = auth.main.post("/admin/indicators/new", data=_sheet_form(sheet()))
    assert resp.status_code == 303
    assert db.session.scalar(select(ind.IndicatorSheet.name)) == "社区考核指标"


def test_rows_are_added_and_removed_without_saving(world, auth):
    auth.login("admin")
    data = _sheet_form(sheet())
    resp = auth.main.post("/admin/indicators/new", data={**data, "action": "add_row:bonus"})
    assert resp.status_code == 200 and 'id="items-5-name"' in resp.get_data(as_text=True)
    resp = auth.main.post("/admin/indicators/new", data={**data, "action": "remove_row:0"})
    html = resp.get_data(as_text=True)
    assert 'value="指标0"' not in html and 'value="指标1"' in html
    assert db.session.scalar(select(ind.IndicatorSheet.id)) is None


def test_copy_from_the_list_page(world, auth):
    first = ind.save_sheet(world.admin, None, sheet("社区"))
    db.session.commit()
    auth.login("admin")
    auth.main.get("/admin/indicators")
    resp = auth.main.post(f"/admin/indicators/{first.id}/copy",
                          data={f"copy{first.id}-category": "乡镇",
                                f"copy{first.id}-name": "乡镇考核指标"})
    assert resp.status_code == 303
    assert db.session.scalar(select(ind.IndicatorSheet.name).where(
        ind.IndicatorSheet.category == "乡镇")) == "乡镇考核指标"


@pytest.mark.parametrize("who", ["a1", "town_admin", "sup_a", "audit"])
def test_only_top_level_admins_edit_sheets(world, auth, who):
    first = ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    auth.login(who)
    for path in ("/admin/indicators", "/admin/indicators/new", f"/admin/indicators/{first.id}"):
        assert auth.main.get(path).status_code == 403, path
    for path, data in [("/admin/indicators/new", _sheet_form(sheet("乡镇"))),
                       (f"/admin/indicators/{first.id}", _sheet_form(sheet(weights=(50, 50)))),
                       (f"/admin/indicators/{first.id}/copy",
                        {f"copy{first.id}-category": "乡镇"})]:
        assert auth.main.post(path, data=data).status_code == 403, path
    assert db.session.scalar(select(ind.IndicatorSheet.id).where(
        ind.IndicatorSheet.category == "乡镇")) is None
    assert [i.weight for i in first.items][:2] == [40, 60]


def test_admin_records_an_entry_on_the_web(world, create_cycle, auth):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    a = assessment_of(world.a1)
    auth.login("admin")
    page = auth.main.get(f"/admin/cycles/{cycle.id}/indicators").get_data(as_text=True)
    assert "表彰奖励" in page
    path = f"/assessments/{a.id}/adjustments"
    auth.main.get(path)
    item = str(item_named(a, "表彰奖励").id)
    resp = auth.main.post(path, data={"item_id": item, "points": "9", "reason": "市级表彰"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "市级表彰" in html
    resp = auth.main.post(path, data={"item_id": item, "points": "2", "reason": "市级表彰"})
    assert resp.status_code == 303
    assert "市级表彰" in auth.main.get(path).get_data(as_text=True)


@pytest.mark.parametrize("who, status", [("admin", 201), ("audit", 403), ("a1", 403),
                                         ("sup_a", 403), ("town_admin", 403)])
def test_api_records_entries_for_admins_only(world, create_cycle, api, auth, who, status):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    payload = {"item_id": item_named(a, "表彰奖励").id, "points": 2, "reason": "县级表彰"}
    resp = api.as_user(who).post(f"/assessments/{a.id}/adjustments", json=payload)
    assert resp.status_code == status, resp.get_json()
    if status == 201:
        assert resp.get_json()["points"] == 2 and resp.get_json()["kind"] == "bonus"
    if who in ("a1", "town_admin"):
        web = auth.user(who)
        assert web.get(f"/assessments/{a.id}/adjustments").status_code == 403
    if who == "audit":  # reads the entries, records none (issue 9 #11)
        web = auth.user(who)
        page = web.get(f"/assessments/{a.id}/adjustments")
        assert page.status_code == 200 and 'name="points"' not in page.get_data(as_text=True)
        form = {k: str(v) for k, v in payload.items()}
        assert web.post(f"/assessments/{a.id}/adjustments", data=form).status_code == 403


def test_api_refuses_points_over_the_cap_with_a_field_message(world, create_cycle, api):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    resp = api.as_user("admin").post(f"/assessments/{a.id}/adjustments", json={
        "item_id": item_named(a, "工作失误").id, "points": 6, "reason": "通报"})
    assert resp.status_code == 422
    assert resp.get_json()["fields"]["points"]["code"] == "over_item_cap"


@pytest.mark.parametrize("who, status", [("admin", 200), ("audit", 200), ("a1", 403),
                                         ("sec_a", 403), ("town_admin", 403)])
def test_the_cycle_copy_is_shown_to_admins_and_auditors_only(world, create_cycle, api, auth,
                                                             who, status):
    first = ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    if who == "admin":
        auth.login("admin")
        index = auth.main.get("/admin/indicators").get_data(as_text=True)
        assert f"/admin/cycles/{cycle.id}/indicators" in index
    web = auth.user(who)
    assert web.get(f"/admin/cycles/{cycle.id}/indicators").status_code == status
    resp = api.as_user(who).get(f"/cycles/{cycle.id}/indicators")
    assert resp.status_code == status
    if status == 200:
        (copy,) = resp.get_json()
        assert copy["category"] == "社区" and copy["bonus_cap"] == 4
        assert [i["name"] for i in copy["items"]] == [i.name for i in first.items]


@pytest.mark.parametrize("who, status", [("admin", 201), ("town_admin", 403), ("audit", 403),
                                         ("a1", 403)])
def test_api_sheets_for_top_level_admins(world, api, who, status):
    client = api.as_user(who)
    resp = client.post("/indicator-sheets", json=sheet())
    assert resp.status_code == status, resp.get_json()
    assert client.get("/indicator-sheets").status_code == (200 if status == 201 else 403)
    if status != 201:
        return
    made = resp.get_json()
    bad = client.put(f"/indicator-sheets/{made['id']}", json=sheet(weights=(50, 40)))
    assert bad.status_code == 422
    assert bad.get_json()["fields"]["weights"]["code"] == "weights_sum"
    assert "90" in bad.get_json()["message"]
    good = client.put(f"/indicator-sheets/{made['id']}", json=sheet(weights=(50, 50)))
    assert good.status_code == 200
    assert [i["weight"] for i in good.get_json()["items"][:2]] == [50, 50]


def test_an_entry_recorded_by_mistake_is_withdrawn_with_a_reason(world, create_cycle, auth,
                                                                   api):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    first = record_adjustment(a, world.admin, item_id=item_named(a, "表彰奖励").id, points=2,
                              reason="误录")
    second = record_adjustment(a, world.admin, item_id=item_named(a, "工作失误").id, points=1,
                               reason="误录")
    db.session.commit()
    first_id, second_id = first.id, second.id
    web = auth.user("admin")
    web.get(f"/assessments/{a.id}/adjustments")
    path = f"/assessments/{a.id}/adjustments/{first_id}/withdraw"
    assert web.post(path, data={"reason": ""}).status_code == 303  # refused: no reason
    assert web.post(path, data={"reason": "录错了人"}).status_code == 303
    forbidden = api.as_user("town_admin").post(
        f"/assessments/{a.id}/adjustments/{second_id}/withdraw", json={"reason": "x"})
    assert forbidden.status_code == 403
    assert api.as_user("admin").post(f"/assessments/{a.id}/adjustments/{second_id}/withdraw",
                                     json={"reason": "重复"}).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(ind.AssessmentAdjustment.id)) is None
    actions = db.session.scalars(select(AuditEntry.comment).where(
        AuditEntry.subject_type == "assessment_adjustment", AuditEntry.action == "withdraw")
        .order_by(AuditEntry.id)).all()
    assert actions == ["录错了人", "重复"]


def test_a_save_over_someone_elses_newer_save_is_refused_and_keeps_the_text(world, auth, clock):
    first = ind.save_sheet(world.admin, None, sheet("社区"))
    db.session.commit()
    auth.login("admin")
    page = auth.main.get(f"/admin/indicators/{first.id}").get_data(as_text=True)
    loaded = re.search(r'name="loaded" value="([^"]+)"', page).group(1)
    clock.advance(minutes=5)  # meanwhile another admin saves
    ind.save_sheet(world.admin, db.session.get(ind.IndicatorSheet, first.id),
                   {**sheet("社区"), "name": "另一位管理员的版本"})
    db.session.commit()
    mine = {**_sheet_form(sheet("社区")), "name": "我的版本", "loaded": loaded}
    resp = auth.main.post(f"/admin/indicators/{first.id}", data=mine)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 409 and "有人在您打开之后保存了此指标表" in html
    assert 'value="我的版本"' in html
    db.session.expire_all()
    assert db.session.get(ind.IndicatorSheet, first.id).name == "另一位管理员的版本"
    fresh = re.search(r'name="loaded" value="([^"]+)"', html).group(1)
    resp = auth.main.post(f"/admin/indicators/{first.id}", data={**mine, "loaded": fresh})
    assert resp.status_code == 303  # saving again, knowingly, overwrites
    db.session.expire_all()
    assert db.session.get(ind.IndicatorSheet, first.id).name == "我的版本"

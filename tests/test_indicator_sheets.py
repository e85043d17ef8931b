"""Indicator sheets (考核指标): weights add up to 100, caps, the copy a cycle takes when it
opens, pre-filled report rows, and bonus / penalty entries in the final score."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import FULL_REPORT
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import record_adjustment
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def sheet(category="社区", weights=(40, 60), bonus=(("表彰奖励", 3), ("经验推广", 2)),
          penalty=(("工作失误", 5),), bonus_cap=4, penalty_cap=10):
    kinds = ["common"] + ["individual"] * (len(weights) - 1)
    items = [{"kind": k, "name": f"指标{n}", "standard": f"标准{n}", "weight": w}
             for n, (k, w) in enumerate(zip(kinds, weights, strict=True))]
    items += [{"kind": "bonus", "name": name, "cap": cap} for name, cap in bonus]
    items += [{"kind": "penalty", "name": name, "cap": cap} for name, cap in penalty]
    return {"category": category, "name": f"{category}考核指标", "bonus_cap": bonus_cap,
            "penalty_cap": penalty_cap, "items": items}


def assessment_of(user):
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == user.id)
                             .order_by(Assessment.id.desc()).limit(1))


# --- the sheet's own rules ---------------------------------------------------------------

@pytest.mark.parametrize("weights, total", [((40, 50), "90"), ((60, 50), "110"),
                                            ((33.3, 33.3, 33.3), "99.9")])
def test_weights_must_add_up_to_100(world, weights, total):
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, sheet(weights=weights))
    assert err.value.fields == {"weights": "weights_sum"}
    assert total in str(err.value.message)


@pytest.mark.parametrize("weights", [(100,), (30, 20, 50), (33.34, 33.33, 33.33)])
def test_weights_of_exactly_100_are_accepted(world, weights):
    saved = ind.save_sheet(world.admin, None, sheet(weights=weights))
    db.session.commit()
    assert sum(i.weight for i in saved.items if i.kind in ind.WEIGHTED) == 100


@pytest.mark.parametrize("change, field, code", [
    ({"bonus_cap": -1}, "bonus_cap", "out_of_range"),
    ({"penalty_cap": ""}, "penalty_cap", "required"),
    ({"penalty_cap": "很多"}, "penalty_cap", "not_a_number"),
    ({"items": [{"kind": "common", "name": "全部", "weight": 100},
                {"kind": "bonus", "name": "表彰", "cap": ""}]}, "items.1.cap", "required"),
    ({"items": [{"kind": "common", "name": "全部", "weight": 100},
                {"kind": "penalty", "name": "失误", "cap": 101}]}, "items.1.cap",
     "out_of_range"),
    ({"items": [{"kind": "common", "name": "全部", "weight": -5},
                {"kind": "common", "name": "其他", "weight": 105}]}, "items.0.weight",
     "out_of_range"),
    ({"items": [{"kind": "extra", "name": "全部", "weight": 100}]}, "items.0.kind", "unknown"),
    ({"items": [{"kind": "common", "name": " ", "weight": 100}]}, "items.0.name", "required"),
])
def test_bad_sheets_are_refused_beside_the_field(world, change, field, code):
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, {**sheet(), **change})
    assert err.value.fields.get(field) == code


def test_one_sheet_per_category_and_copy_to_another(world):
    first = ind.save_sheet(world.admin, None, sheet("经济发展类"))
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, sheet("经济发展类"))
    assert err.value.fields == {"category": "category_taken"}
    made = ind.copy_sheet(world.admin, first, "执法服务类")
    db.session.commit()
    assert made.category == "执法服务类"
    assert [(i.kind, i.name, i.weight, i.cap) for i in made.items] == [
        (i.kind, i.name, i.weight, i.cap) for i in first.items]


@pytest.mark.parametrize("statement", [
    "UPDATE indicator_item SET kind = 'extra'",
    "UPDATE indicator_item SET weight = -1 WHERE kind = 'common'",
    "UPDATE indicator_item SET cap = -1 WHERE kind = 'bonus'",
    "UPDATE indicator_item SET cap = NULL WHERE kind = 'penalty'",
    "UPDATE indicator_sheet SET bonus_cap = -1",
    "UPDATE indicator_sheet SET penalty_cap = -0.5",
])
def test_database_holds_the_invariants(world, statement):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


# --- the copy a cycle takes when it opens ------------------------------------------------

def test_edits_after_opening_never_change_the_running_cycle(world, create_cycle):
    original = ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    changed = sheet(weights=(10, 90), bonus=(("表彰奖励", 1),), bonus_cap=1)
    ind.save_sheet(world.admin, original, changed)
    db.session.commit()
    (copy, items), = ind.cycle_sheets(cycle.id).values()
    assert copy.bonus_cap == 4 and copy.source_sheet_id == original.id
    assert [(i.name, i.weight, i.cap) for i in items] == [
        ("指标0", 40, None), ("指标1", 60, None), ("表彰奖励", 0, 3),
        ("经验推广", 0, 2), ("工作失误", 0, 5)]
    assert [i.name for i in original.items] == ["指标0", "指标1", "表彰奖励", "工作失误"]


def test_a_cycle_opened_before_any_sheet_has_no_copy(world, create_cycle):
    cycle = create_cycle()
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    assert ind.cycle_sheets(cycle.id) == {}


# --- the cadre's report ------------------------------------------------------------------

@pytest.mark.parametrize("category, expected", [
    ("社区", ["指标0", "指标1"]),        # the unit's own category
    ("", ["通用0"]),                     # no sheet for 社区: the general sheet
])
def test_report_rows_are_prefilled_from_the_cycle_copy(world, create_cycle, auth, category,
                                                       expected):
    ind.save_sheet(world.admin, None, {**sheet("乡镇"), "items": [
        {"kind": "common", "name": "乡镇指标", "weight": 100}]})
    if category:
        ind.save_sheet(world.admin, None, sheet(category))
    else:
        ind.save_sheet(world.admin, None, {**sheet(""), "items": [
            {"kind": "common", "name": "通用0", "standard": "标准", "weight": 100}]})
    db.session.commit()
    create_cycle()
    auth.login("a1")
    html = auth.main.get("/my").get_data(as_text=True)
    for n, name in enumerate(expected):
        assert f'name="indicators-{n}-name" type="text" value="{name}"' in html
    assert "乡镇指标" not in html and "表彰奖励" not in html  # bonus items are not reported on


def test_a_saved_report_is_not_prefilled_again(world, create_cycle, auth):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    save_report(assessment_of(world.a1), world.a1, FULL_REPORT)
    db.session.commit()
    auth.login("a1")
    html = auth.main.get("/my").get_data(as_text=True)
    assert "人口普查入户登记" in html and "指标0" not in html


# --- bonus and penalty entries -----------------------------------------------------------

def _approve(world, name, score):
    cadre = world.users[name]
    a = assessment_of(cadre)
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score - 1)
    fire_event(a, "approve", world.com_a1, score=score)
    fire_event(a, "approve", world.sec_a)
    return a


def _item(a, name):
    return next(i for _s, items in ind.cycle_sheets(a.cycle_id).values() for i in items
                if i.name == name)


# Worked example. Sheet for 社区: 表彰奖励 cap 3, 经验推广 cap 2, total bonus cap 4;
# 工作失误 cap 5, total penalty cap 10.
# a1, review 85: 表彰奖励 2 + 2 = 4 → item cap 3; 经验推广 2 → bonus 5 → sheet cap 4;
#     工作失误 3 → 85 + 4 − 3 = 86.
# a2, review 80: 经验推广 1.5, 工作失误 5 + 5 = 10 → item cap 5 → 80 + 1.5 − 5 = 76.5.
# a3, review 70: nothing → 70.
WORKED = [
    ("a1", 85, [("表彰奖励", 2), ("表彰奖励", 2), ("经验推广", 2), ("工作失误", 3)], "86.00",
     {"bonus_capped"}),
    ("a2", 80, [("经验推广", 1.5), ("工作失误", 5), ("工作失误", 5)], "76.50",
     {"penalty_capped"}),
    ("a3", 70, [], "70.00", set()),
]


def test_worked_example_of_bonus_and_penalty_caps(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    approved = {}
    for name, score, entries, _final, _flags in WORKED:
        approved[name] = a = _approve(world, name, score)
        for item, points in entries:
            record_adjustment(a, world.admin, item_id=_item(a, item).id, points=points,
                              reason="经核实")
    grade_cycle(cycle, world.admin)
    db.session.commit()
    for name, _score, _entries, final, flags in WORKED:
        a = approved[name]
        assert a.score == Decimal(final), name
        assert flags == {f for f in a.flags if f.endswith("_capped")}, name


@pytest.mark.parametrize("item, points, field, code", [
    ("表彰奖励", 3.5, "points", "over_item_cap"),
    ("表彰奖励", 0, "points", "out_of_range"),
    ("表彰奖励", "", "points", "required"),
    ("指标0", 1, "item_id", "not_capped_item"),  # an indicator, not a bonus item
    (None, 1, "item_id", "required"),
])
def test_entries_stay_within_the_item_cap(world, create_cycle, item, points, field, code):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    item_id = _item(a, item).id if item else None
    with pytest.raises(Invalid) as err:
        record_adjustment(a, world.admin, item_id=item_id, points=points, reason="理由")
    assert err.value.fields[field] == code


def test_entries_are_audited(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    entry = record_adjustment(a, world.admin, item_id=_item(a, "工作失误").id, points=2,
                              reason="被县政府通报批评")
    db.session.commit()
    logged = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject_type == "assessment_adjustment", AuditEntry.subject_id == entry.id))
    assert logged.comment == "被县政府通报批评" and logged.data["points"] == "2.00"


@pytest.mark.parametrize("who", ["a1", "sup_a", "com_a1", "town_admin", "audit"])
def test_others_may_not_record_entries(world, create_cycle, who):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    with pytest.raises(NotAllowed):
        record_adjustment(a, world.users[who], item_id=_item(a, "表彰奖励").id, points=1,
                          reason="理由")


# --- web pages and API ---------------------------------------------------------------

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
    item = str(_item(a, "表彰奖励").id)
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
    payload = {"item_id": _item(a, "表彰奖励").id, "points": 2, "reason": "县级表彰"}
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
        "item_id": _item(a, "工作失误").id, "points": 6, "reason": "通报"})
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
    first = record_adjustment(a, world.admin, item_id=_item(a, "表彰奖励").id, points=2,
                              reason="误录")
    second = record_adjustment(a, world.admin, item_id=_item(a, "工作失误").id, points=1,
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

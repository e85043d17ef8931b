"""Grade thresholds and quotas (issue 10, item 6): shown pre-filled on the cycle form,
checked with a message beside the field (nothing typed lost), stored in Cycle.grading,
kept by the API and by copying; the grading page counts each unit's quota in words."""

import re

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, make_user
from tests.test_cycles_admin import form
from tests.test_grading import _approve
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event
from workflow_app.cycles.lifecycle import copy_data
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def text(resp):
    return resp.get_data(as_text=True)


def value_of(page, name):
    found = re.search(rf'<input [^>]*name="{name}"[^>]*>', page)
    assert found, name
    return re.search(r'value="([^"]*)"', found.group(0)).group(1)


def saved():
    db.session.expire_all()
    return db.session.scalars(select(Cycle).order_by(Cycle.id)).all()


QUARTERLY = [{"grade": "好", "min": 90, "quota": 0.4}, {"grade": "较好", "min": 75},
             {"grade": "一般", "min": 60}, {"grade": "较差", "min": 0}]


def test_the_form_shows_the_usual_rules_per_kind(auth, world):
    page = text(auth.user("admin").get("/admin/cycles/new"))
    shown = {n: value_of(page, n) for n in ("q_min_0", "q_min_1", "q_min_2", "q_quota",
                                            "a_min_0", "a_min_1", "a_min_2", "a_quota")}
    assert shown == {"q_min_0": "90", "q_min_1": "75", "q_min_2": "60", "q_quota": "40",
                     "a_min_0": "90", "a_min_1": "70", "a_min_2": "60", "a_quota": "20"}
    assert "好：最低分" in page and "优秀：最多占本单位参加考核人数的百分比" in page


BAD_GRADES = [
    ({"q_min_0": "101"}, "q_min_0", "请输入 0 到 100 之间的分数。"),
    ({"q_min_2": "-5"}, "q_min_2", "请输入 0 到 100 之间的分数。"),
    ({"q_min_1": "95"}, "q_min_1", "每个等次的最低分必须低于上一等次的最低分。"),
    ({"q_min_2": "75"}, "q_min_2", "每个等次的最低分必须低于上一等次的最低分。"),
    ({"q_min_0": "九十"}, "q_min_0", "请输入数字。"),
    ({"q_quota": "120"}, "q_quota", "名额比例须在 0 到 100 % 之间"),
    ({"q_quota": "四成"}, "q_quota", "请输入数字。"),
    ({"q_quota": "nan"}, "q_quota", "名额比例须在 0 到 100 % 之间"),
    ({"kind": "annual", "quarter": "", "workflow": "annual", "a_quota": "-1"}, "a_quota",
     "名额比例须在 0 到 100 % 之间"),
    ({"kind": "annual", "quarter": "", "workflow": "annual", "a_min_1": "90"}, "a_min_1",
     "每个等次的最低分必须低于上一等次的最低分。"),
]


@pytest.mark.parametrize(("override", "name", "message"), BAD_GRADES)
def test_bad_thresholds_and_quotas_are_explained_beside_the_field(auth, world, override, name,
                                                                  message):
    resp = auth.user("admin").post("/admin/cycles/new", form(world, **override))
    page = text(resp)
    assert resp.status_code == 422
    error = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    assert error and message in error.group(1)
    assert value_of(page, name) == override[name]  # nothing typed lost
    assert "2026年第二季度平时考核" in page and saved() == []


def test_typed_rules_are_saved_shown_again_and_copied(auth, world):
    admin = auth.user("admin")
    resp = admin.post("/admin/cycles/new", form(world, q_min_0="85", q_min_1="70.5",
                                                q_quota="30", action="draft"))
    assert resp.status_code == 303, text(resp)
    [cycle] = saved()
    assert cycle.grading["grades"] == [
        {"grade": "好", "min": 85, "quota": 0.3}, {"grade": "较好", "min": 70.5},
        {"grade": "一般", "min": 60}, {"grade": "较差", "min": 0}]
    page = text(admin.get(f"/admin/cycles/{cycle.id}/edit"))
    assert (value_of(page, "q_min_0"), value_of(page, "q_min_1"), value_of(page, "q_quota")) \
        == ("85", "70.5", "30")
    assert copy_data(cycle)["grading"]["grades"] == cycle.grading["grades"]
    copied = text(admin.get(f"/admin/cycles/new?copy={cycle.id}"))
    assert value_of(copied, "q_min_0") == "85" and value_of(copied, "q_quota") == "30"


def test_editing_keeps_the_grading_rules_the_form_does_not_show(auth, world, api, clock):
    from tests.factories import cycle_data

    data = cycle_data(world, clock, org_unit_ids=[world.units["a"].id], quarter=2,
                      grading={"joint_liability": {"quota_factor": 0.25}})
    data["opens_at"] = "2026-04-10T09:00:00+08:00"
    made = api.as_user("admin").post("/cycles", json=data)
    assert made.status_code == 201, made.get_json()
    cycle_id = made.get_json()["id"]
    resp = auth.user("admin").post(f"/admin/cycles/{cycle_id}/edit",
                                   form(world, q_quota="50", action="draft"))
    assert resp.status_code == 303, text(resp)
    grading = db.session.get(Cycle, cycle_id).grading
    assert grading["joint_liability"] == {"quota_factor": 0.25}
    assert grading["grades"][0] == {"grade": "好", "min": 90, "quota": 0.5}


API_GRADES = [
    ([{**QUARTERLY[0], "min": 120}, *QUARTERLY[1:]], "grading.grades.0.min", "threshold_range"),
    ([QUARTERLY[0], {"grade": "较好", "min": 90}, *QUARTERLY[2:]], "grading.grades.1.min",
     "not_decreasing"),
    ([{**QUARTERLY[0], "quota": 40}, *QUARTERLY[1:]], "grading.grades.0.quota", "quota_range"),
    ([{**QUARTERLY[0], "quota": "四成"}, *QUARTERLY[1:]], "grading.grades.0.quota",
     "not_a_number"),
    ([{**QUARTERLY[0], "min": True}, *QUARTERLY[1:]], "grading.grades.0.min", "not_a_number"),
    (QUARTERLY[:3], "grading.grades", "wrong_grades"),
    ([{**g, "grade": "优秀"} if i == 0 else g for i, g in enumerate(QUARTERLY)], "grading.grades",
     "wrong_grades"),
    ("好≥90", "grading.grades", "wrong_grades"),
]


@pytest.mark.parametrize(("grades", "field", "code"), API_GRADES)
def test_the_api_checks_the_grades_the_same_way(world, api, clock, grades, field, code):
    from tests.factories import cycle_data

    data = cycle_data(world, clock, org_unit_ids=[world.units["town"].id],
                      grading={"grades": grades})
    resp = api.as_user("admin").post("/cycles", json=data)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["fields"][field]["code"] == code


def test_the_api_stores_the_grades(world, api, clock):
    from tests.factories import cycle_data

    grades = [{**QUARTERLY[0], "min": 88, "quota": 0.5}, *QUARTERLY[1:]]
    data = cycle_data(world, clock, org_unit_ids=[world.units["town"].id],
                      grading={"grades": grades})
    resp = api.as_user("admin").post("/cycles", json=data)
    assert resp.status_code == 201 and resp.get_json()["grading"]["grades"] == grades


# --- the grading page: quota allowed / used / left, in words ------------------------------

@pytest.fixture
def seven(world, create_cycle):
    """东街社区 has 7 cadres: 5 approved at 91–95, 1 on leave (excluded), 1 still drafting."""
    for name in ("a4", "a5", "a6", "a7"):
        world.users[name] = make_user(name, world.units["a"], ["cadre"],
                                      supervisor=world.sup_a)
    db.session.commit()

    def make(**grading):
        cycle = create_cycle(units=[world.units["a"]], grading=grading)
        for name, score in {"a1": 95, "a2": 94, "a3": 93, "a4": 92, "a5": 91}.items():
            _approve(world, name, score)
        a6 = db.session.scalar(select(Assessment).where(
            Assessment.cadre_id == world.a6.id))
        fire_event(a6, "exclude", world.admin, reason="借调外单位，不参加本次考核")
        grade_cycle(cycle, world.admin)
        db.session.commit()
        return cycle
    return make


@pytest.mark.parametrize(("grading", "formula", "used", "left"), [
    ({}, "floor(40% × 6) = 2", 2, 0),
    ({"grades": [{**QUARTERLY[0], "quota": 0.5}, *QUARTERLY[1:]]}, "floor(50% × 6) = 3", 3, 0),
    ({"grades": [{**QUARTERLY[0], "quota": 1}, *QUARTERLY[1:]]}, "floor(100% × 6) = 6", 5, 1),
])
def test_grading_page_explains_the_quota_of_a_unit_with_excluded_people(
        auth, seven, grading, formula, used, left):
    cycle = seven(**grading)
    page = text(auth.user("admin").get(f"/admin/cycles/{cycle.id}/grading"))
    sentence = (f"东街社区共 6 人参加考核（不含不参加本次考核的 1 人），好等次名额 {formula}，"
                f"已用 {used}，剩余 {left}。")
    assert sentence in page
    row = re.search(r'<tr id="quota-[^"]+">(.*?)</tr>', page, re.S).group(1)
    cells = dict(re.findall(r'<td [^>]*class="(base|used|left)">(\d+)</td>', row))
    assert cells == {"base": "6", "used": str(used), "left": str(left)}


def test_every_flag_on_the_page_is_explained(auth, seven):
    cycle = seven()
    page = text(auth.user("admin").get(f"/admin/cycles/{cycle.id}/grading"))
    legend = re.search(r'<section class="card" id="flag-legend">(.*?)</section>', page, re.S)
    assert legend, "no legend"
    assert "分数达到较高等次，但本单位该等次名额已被更高分者用完" in legend.group(1)  # over_quota
    assert "红档：排名前三分之一。" in legend.group(1)
    assert 'title="分数达到较高等次' in page  # the hint on the flag itself
    flags = {f.split(":")[0] for a in db.session.scalars(select(Assessment.flags)) for f in a}
    for flag in flags:
        assert f'id="flag-{flag}"' in legend.group(1), flag


def test_run_grading_uses_the_cycle_quota(auth, seven):
    cycle = seven(grades=[{**QUARTERLY[0], "quota": 0.5}, *QUARTERLY[1:]])
    admin = auth.user("admin")
    admin.post(f"/admin/cycles/{cycle.id}/grading/run", CONFIRMED)
    grades = db.session.scalars(select(Assessment.grade).where(
        Assessment.cycle_id == cycle.id, Assessment.grade == "好")).all()
    assert len(grades) == 3

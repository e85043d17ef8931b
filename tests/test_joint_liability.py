"""Joint liability (连带责任) where the 001 seed puts it, checked as a user would, through
the API and the grading page, on both databases (issue 15):

「建立连带责任制，对班子成员存在突出问题的，直接判定班子年度考核为"一般"或"较差"等次，
约谈主要负责人并降低优秀比例」

Only a veto or a negative-list item marked 突出问题 on a member of a *recorded team*
brings it, and only in the *annual* assessment: the team's grade is capped, the unit's
优秀 quota is lowered, the team (nobody else) is flagged. A quarter's 好 quota is
never touched, and with no team recorded a veto caps only the vetoed person.
"""

import pytest
from sqlalchemy import select

from tests.factories import exclude_unfinished
from tests.test_worked_examples import ANNUAL_40, GOOD, _approve, _history, _people, _team
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db

# The check: ten cadres of 东街社区, no team recorded.
TEN = {"a1": 98, "a2": 97, "a3": 96, "p4": 95, "p5": 94, "p6": 93, "p7": 80, "p8": 78,
       "p9": 70, "p10": 65}


def _negative(api, world, cycle, name, **body):
    a_id = db.session.scalar(select(Assessment.id).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == world.users[name].id))
    resp = api.as_user("admin").post(f"/assessments/{a_id}/negative-items",
                                     json={"reason": "经查实", **body})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _graded(api, world, cycle):
    admin = api.as_user("admin")
    assert admin.post(f"/cycles/{cycle.id}/grade").status_code == 200
    rows = {r["cadre_id"]: r for r in admin.get(f"/cycles/{cycle.id}/results").get_json()}
    return {n: rows[u.id] for n, u in world.users.items() if u.id in rows}, \
        admin.get(f"/cycles/{cycle.id}/teams").get_json()


def test_a_veto_without_a_team_caps_only_the_vetoed_cadre(world, create_cycle, api):
    # 好 needs ≥ 90, at most floor(0.4 × 10) = 4: 98, 97, 96, 95 → 好; 94, 93 → 较好
    # (over_quota); 80, 78 → 较好; 70 → 一般; 65 → 一般 by the score, 较差 by the veto.
    _people(world, 7)
    cycle = create_cycle(units=[world.units["a"]])
    for name, score in TEN.items():
        _approve(world, cycle, name, score)
    db.session.commit()
    _negative(api, world, cycle, "p10", kind="veto")
    got, teams = _graded(api, world, cycle)
    grades = {n: r["grade"] for n, r in got.items()}
    assert [n for n, g in grades.items() if g == "好"] == ["a1", "a2", "a3", "p4"]
    assert grades["p10"] == "较差" and "veto" in got["p10"]["flags"]
    assert not any("joint_liability" in r["flags"] for r in got.values())
    assert teams == []


@pytest.fixture
def liable(world, create_cycle, clock, api):
    return _liable_cycle(world, create_cycle, clock, api)


def _liable_cycle(world, create_cycle, clock, api, extra=0, serious=True):
    """Annual cycle; team 东街社区两委班子 = a1 (书记), a2 (委员); a2 has a deduction of
    2 points marked 突出问题 (`serious`). Every quarter 好 92, so annual = 27.6 + 0.7 ×
    review. `extra` more cadres (p4 …) are in the cycle and not done."""
    _people(world, extra)
    _history(world, clock, {n: [GOOD] * 4 for n in ("a1", "a2", "a3")})
    cycle = create_cycle(units=[world.units["a"]], kind="annual", quarter=None,
                         workflow="annual", name="2026年度考核", grading=ANNUAL_40)
    _team(world, {"a1": "书记", "a2": "委员"})
    for name, score in {"a1": 95, "a2": 93, "a3": 94}.items():
        _approve(world, cycle, name, score)
    db.session.commit()
    item = _negative(api, world, cycle, "a2", kind="deduct", points=2, serious=serious,
                     reason="违规决策造成重大损失")
    assert item["serious"] is serious
    return cycle


def test_a_serious_problem_in_the_team_brings_the_annual_joint_liability(world, liable, api):
    # a1 27.6 + 66.5 = 94.10; a3 27.6 + 65.8 = 93.40; a2 27.6 + 65.1 − 2 = 90.70.
    # 优秀 quota floor(0.4 × 3) = 1 is lowered × 0.5 to floor(0.2 × 3) = 0: nobody is
    # 优秀 (a1 would have been), all three 称职 and over_quota; no cadre is flagged.
    got, (team,) = _graded(api, world, liable)
    assert {n: (r["grade"], f"{r['score']:.2f}") for n, r in got.items()} == {
        "a1": ("称职", "94.10"), "a2": ("称职", "90.70"), "a3": ("称职", "93.40")}
    assert all("over_quota" in r["flags"] for r in got.values())
    assert not any("joint_liability" in r["flags"] for r in got.values())
    assert "serious_problem" in got["a2"]["flags"]
    # Team mean(94.10, 90.70) = 92.40 → 优秀 by the thresholds, capped at 一般.
    assert (team["score"], team["grade"]) == (92.4, "一般")
    assert set(team["flags"]) == {"joint_liability", "team_grade_capped"}


def test_the_grading_page_names_the_team_and_the_item(world, liable, api, app, client):
    _graded(api, world, liable)
    html = Auth(app, client).user("admin").get(
        f"/admin/cycles/{liable.id}/grading").get_data(as_text=True)
    assert "floor(40% × 50% × 3) = 0" in html
    assert "东街社区两委班子" in html and "违规决策造成重大损失" in html
    assert world.users["a2"].display_name in html


def test_a_deduction_not_marked_serious_brings_nothing(world, create_cycle, clock, api):
    cycle = _liable_cycle(world, create_cycle, clock, api, serious=False)
    got, (team,) = _graded(api, world, cycle)
    assert got["a1"]["grade"] == "优秀"  # the one place of floor(0.4 × 3) = 1
    assert team["grade"] == "优秀" and team["flags"] == []


def _talks(api):
    return [f for f in api.as_user("admin").get("/follow-ups").get_json()
            if f["kind"] == "principal_talk"]


def test_the_principal_leader_is_called_to_a_talk(world, create_cycle, clock, api):
    cycle = _liable_cycle(world, create_cycle, clock, api, extra=1)
    _graded(api, world, cycle)  # a trial run (试算: p4 not done yet) opens nothing
    assert _talks(api) == []
    exclude_unfinished(cycle, world.admin)
    _graded(api, world, cycle)
    _graded(api, world, cycle)  # grading again opens no second talk
    (talk,) = _talks(api)
    assert (talk["user_id"], talk["reason"], talk["status"]) == (
        world.users["a1"].id, "joint_liability", "open")  # a1 is the team's 书记
    assert "东街社区两委班子" in talk["reason_note"]
    assert "违规决策造成重大损失" in talk["reason_note"]
    # The talk is recorded with a date and an outcome, then closed (销号).
    admin = api.as_user("admin")
    resp = admin.put(f"/follow-ups/{talk['id']}", json={
        "held_on": "2027-01-12", "problems": "班子对成员监督不力", "version": talk["version"]})
    assert resp.status_code == 200, resp.get_json()
    resp = admin.post(f"/follow-ups/{talk['id']}/close", json={
        "outcome": "已约谈，班子作出书面检查", "version": resp.get_json()["version"]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["status"] == "closed"
    # … and it is in the principal leader's record (实绩档案).
    body = api.as_user("admin").get(f"/people/{world.users['a1'].id}/record").get_json()
    (section,) = [s for s in body["sections"] if s["key"] == "follow_ups"]
    assert [(r["kind"], r["held_on"], r["status"], r["outcome"]) for r in section["rows"]] == [
        ("principal_talk", "2027-01-12", "closed", "已约谈，班子作出书面检查")]

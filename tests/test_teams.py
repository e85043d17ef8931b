"""班子 (teams): who may keep them, what the database refuses, the admin pages, and the
team results page and API. The grading rules themselves (team grade, joint
liability) are worked through in tests/test_worked_examples.py."""

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import FULL_REPORT, exclude_unfinished
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people import teams as svc
from workflow_app.scoring.services import grade_cycle
from workflow_app.scoring.teams import TeamResult


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def team(world):
    team = svc.create_team(world.admin, world.units["a"], "东街社区两委班子")
    svc.add_member(world.admin, team, world.a1, "书记")
    db.session.commit()
    return team


@pytest.mark.parametrize(("who", "unit", "allowed"), [
    ("admin", "a", True),        # org_admin of the county: every unit below
    ("admin", "town", True),
    ("town_admin", "b", True),   # org_admin of 西街社区: their own unit
    ("town_admin", "a", False),  # … not the neighbouring community
    ("town_admin", "town", False),
    ("audit", "a", False),       # auditors read, never edit
    ("sec_a", "a", False),
    ("a1", "a", False),
])
def test_who_creates_teams(world, who, unit, allowed):
    def create():
        return svc.create_team(world.users[who], world.units[unit], "两委班子")
    if allowed:
        assert create().id
    else:
        with pytest.raises(NotAllowed):
            create()


@pytest.mark.parametrize(("who", "member", "position", "error"), [
    ("town_admin", "a2", "委员", NotAllowed),         # another unit's org_admin
    ("audit", "a2", "委员", NotAllowed),
    ("admin", "b1", "委员", Invalid),                 # 西街社区 is not under 东街社区
    ("admin", "a1", "主任", Invalid),                 # already a member
    ("admin", "a2", "  ", Invalid),                   # no position
    ("admin", "a2", "委员", None),
])
def test_who_adds_members_and_whom(world, team, who, member, position, error):
    def add():
        return svc.add_member(world.users[who], team, world.users[member], position)
    if error is None:
        assert add().position == "委员"
    else:
        with pytest.raises(error):
            add()


def test_names_are_unique_per_unit(world, team):
    with pytest.raises(Invalid) as exc:
        svc.create_team(world.admin, world.units["a"], "东街社区两委班子")
    assert exc.value.fields == {"name": "taken"}
    assert svc.create_team(world.admin, world.units["b"], "东街社区两委班子").id


@pytest.mark.parametrize("statement", [
    "INSERT INTO team_member (team_id, user_id, position, created_at) "
    "SELECT team_id, user_id, '主任', created_at FROM team_member",
    "UPDATE team_member SET position = ' '",
    "UPDATE team SET name = ''",
    "INSERT INTO team_result (cycle_id, team_id, score, grade, member_count, graded_count, "
    "members, flags, computed_at) SELECT c.id, t.id, 90, NULL, 1, 1, '[]', '[]', c.created_at "
    "FROM cycle c, team t",
    "INSERT INTO team_result (cycle_id, team_id, score, grade, member_count, graded_count, "
    "members, flags, computed_at) SELECT c.id, t.id, NULL, NULL, 1, 2, '[]', '[]', c.created_at "
    "FROM cycle c, team t",
])
def test_database_refuses_broken_teams(world, team, create_cycle, statement):
    create_cycle()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


def _approve(world, cycle, username, score):
    cadre = world.users[username]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id,
                                                   Assessment.cycle_id == cycle.id))
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a)
    fire_event(a, "approve", world.com_a1, score=score)
    fire_event(a, "approve", world.sec_a)
    return a


def test_regrading_replaces_the_team_result(world, team, create_cycle):
    """Members added after a grading count at the next one; a deleted team's result goes."""
    cycle = create_cycle(units=[world.units["a"]])
    _approve(world, cycle, "a1", 92)
    _approve(world, cycle, "a2", 70)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    (result,) = db.session.scalars(select(TeamResult)).all()
    # Only a1 is in the team: 92.00 → 好; a2 and a3 are not members.
    assert (result.score, result.grade, result.member_count) == (92, "好", 1)
    svc.add_member(world.admin, team, world.a2, "主任")
    svc.add_member(world.admin, team, world.a3, "委员")
    grade_cycle(cycle, world.admin)
    db.session.commit()
    (result,) = db.session.scalars(select(TeamResult)).all()
    # mean(92, 70) = 81.00 → 较好; a3 is not approved yet: flagged, not counted as 0.
    assert (result.score, result.grade, result.graded_count) == (81, "较好", 2)
    assert "members_not_graded:1" in result.flags
    svc.delete_team(world.admin, team)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    assert db.session.scalars(select(TeamResult)).all() == []


def test_admin_keeps_a_team_through_the_pages(world, auth):
    admin = auth.user("admin")
    page = admin.get("/admin/teams").get_data(as_text=True)
    assert "班子" in page
    # Bad input: 422, the message beside the field, what was typed kept.
    resp = admin.post("/admin/teams", {"org_unit": str(world.units["a"].id), "name": " "})
    assert resp.status_code == 422 and "此项为必填项" in resp.get_data(as_text=True)
    resp = admin.post("/admin/teams", {"org_unit": str(world.units["a"].id),
                                       "name": "东街社区两委班子"})
    assert resp.status_code == 303
    team = db.session.scalar(select(svc.Team))
    resp = admin.post(f"/admin/teams/{team.id}/members",
                      {"user": str(world.b1.id), "position": "委员"})
    assert resp.status_code == 422
    assert "委员" in resp.get_data(as_text=True)  # typed position kept
    resp = admin.post(f"/admin/teams/{team.id}/members",
                      {"user": str(world.a1.id), "position": "书记"})
    assert resp.status_code == 303
    page = admin.get(f"/admin/teams/{team.id}").get_data(as_text=True)
    assert "a1" in page and 'value="书记"' in page
    db.session.expire_all()
    member = db.session.get(svc.Team, team.id).members[0]
    admin.post(f"/admin/teams/{team.id}/members/{member.id}", {"position": "副书记"})
    db.session.expire_all()
    assert db.session.get(svc.Team, team.id).members[0].position == "副书记"
    admin.post(f"/admin/teams/{team.id}/members/{member.id}", {"position": "x", "remove": "1"})
    db.session.expire_all()
    assert db.session.get(svc.Team, team.id).members == []


@pytest.mark.parametrize(("who", "status"), [("town_admin", 403), ("a1", 403), ("audit", 403)])
def test_others_cannot_edit_a_team(world, team, auth, who, status):
    user = auth.user(who)
    assert user.get(f"/admin/teams/{team.id}").status_code == status
    assert user.post(f"/admin/teams/{team.id}/name", {"name": "改名"}).status_code == status
    assert user.post(f"/admin/teams/{team.id}/delete").status_code == status
    db.session.expire_all()
    assert db.session.get(svc.Team, team.id).name == "东街社区两委班子"


def test_missing_team_is_404(world, auth):
    assert auth.user("admin").get("/admin/teams/999").status_code == 404


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("audit", 200), ("a1", 403),
                                             ("town_admin", 403), ("sec_a", 403)])
def test_who_sees_team_results(world, team, create_cycle, api, auth, who, status):
    cycle = create_cycle(units=[world.units["a"]])
    _approve(world, cycle, "a1", 95)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    resp = api.as_user(who).get(f"/cycles/{cycle.id}/teams")
    assert resp.status_code == status, resp.get_json()
    page = auth.user(who).get(f"/cycles/{cycle.id}/teams")
    assert page.status_code == status
    if status == 200:
        (row,) = resp.get_json()
        assert (row["name"], row["score"], row["grade"]) == ("东街社区两委班子", 95.0, "好")
        assert row["members"][0]["position"] == "书记"
        html = page.get_data(as_text=True)
        assert "东街社区两委班子" in html and "95.00" in html and "连带责任" in html


def test_unknown_cycle_teams_is_404(world, api):
    resp = api.as_user("admin").get("/cycles/999/teams")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


@pytest.mark.parametrize(("kind", "grading", "field"), [
    ("annual", {"missing_quarters": "ignore"}, "grading.missing_quarters"),
    ("annual", {"annual": {"missing_quarters": "zero"}}, "grading.annual.missing_quarters"),
    ("quarterly", {"joint_liability": {"quota_factor": 2}}, "grading.joint_liability.quota_factor"),
    ("quarterly", {"joint_liability": {"team_grade_cap": "一般般"}},
     "grading.joint_liability.team_grade_cap"),
    # The annual team scale is 优秀/良好/一般/较差: 基本称职 is a cadre grade, not a team's.
    ("annual", {"joint_liability": {"team_grade_cap": "基本称职"}},
     "grading.joint_liability.team_grade_cap"),
    ("quarterly", {"joint_liability": "half"}, "grading.joint_liability"),
    ("annual", {"missing_quarters": "count_as_一般",
                "joint_liability": {"team_grade_cap": "较差", "quota_factor": 0}}, None),
])
def test_cycle_refuses_unknown_team_and_missing_quarter_rules(world, clock, api, kind, grading,
                                                             field):
    from tests.factories import cycle_data

    data = cycle_data(world, clock, kind=kind, grading=grading,
                      org_unit_ids=[world.units["a"].id],
                      **({"quarter": None, "workflow": "annual"} if kind == "annual" else {}))
    resp = api.as_user("admin").post("/cycles", json=data)
    if field is None:
        assert resp.status_code == 201, resp.get_json()
    else:
        assert resp.status_code == 422 and field in resp.get_json()["fields"], resp.get_json()


def test_results_page_links_to_the_team_results(world, create_cycle, auth):
    cycle = create_cycle(units=[world.units["a"]])
    page = auth.user("admin").get(f"/cycles/{cycle.id}/results").get_data(as_text=True)
    assert f"/cycles/{cycle.id}/teams" in page


def test_a_team_with_published_results_stays(world, team, create_cycle, auth):
    from workflow_app.errors import WrongState
    from workflow_app.scoring.services import publish_cycle

    cycle = create_cycle(units=[world.units["a"]])
    _approve(world, cycle, "a1", 95)
    grade_cycle(cycle, world.admin)
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    with pytest.raises(WrongState):
        svc.delete_team(world.admin, team)
    db.session.rollback()
    page = auth.user("admin").post(f"/admin/teams/{team.id}/delete", follow_redirects=True)
    assert "已公示" in page.get_data(as_text=True)
    assert db.session.get(svc.Team, team.id) is not None


def test_the_filing_copy_has_the_teams_on_their_own_sheet(world, team, create_cycle, auth):
    from io import BytesIO

    from openpyxl import load_workbook

    cycle = create_cycle(units=[world.units["a"]])
    _approve(world, cycle, "a1", 92)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    resp = auth.user("admin").get(f"/cycles/{cycle.id}/results.xlsx")
    book = load_workbook(BytesIO(resp.data))
    rows = list(book["班子考核结果"].iter_rows(values_only=True))
    assert rows[1] == ("单位", "班子", "评分", "等次", "标记", "成员")  # as on the teams page
    assert rows[2][:4] == ("东街社区", "东街社区两委班子", 92.0, "好") and rows[2][5] == "1/1"

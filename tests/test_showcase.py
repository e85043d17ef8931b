"""业绩晾晒 (issue 14 point 2, seed 002 泗水): who records stars and 减星, what the database
refuses, who sees a unit's 星级榜, and the 周通报 as a page, XLSX and PDF.

The world: 东街社区 (a) has a1, a2, a3, com_a1, com_a2, sec_a; 西街社区 (b) has b1, com_b,
sec_b and town_admin (org_admin of b); sup_a supervises from 城关镇 (town), whose
departments are a and b. The clock says 2026-04-01 (ISO week 14): the board is 2026-04.
"""

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.web.conftest import Auth
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.showcase import services as svc
from workflow_app.showcase.board import standings
from workflow_app.showcase.models import ShowcaseEntry
from workflow_app.showcase.rules import parse_period

APRIL = parse_period("2026-04")


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def person(world, name):
    return ("person", world.users[name].id)


def stars(world, who, whom, n, dimension="tasks", unit="a", **kw):
    return svc.set_stars(world.users[who], world.units[unit], APRIL, person(world, whom),
                         dimension, n, **kw)


def deduct(world, who, whom, n, kind="missed_target", reason="未完成月度招商任务", **kw):
    return svc.deduct_stars(world.users[who], world.units["a"], APRIL, person(world, whom),
                            kw.pop("dimension", "tasks"), n, kind, reason, **kw)


@pytest.mark.parametrize(("who", "allowed"), [
    ("admin", True),        # org_admin of the county: every unit below
    ("sec_a", True),        # the unit's secretary
    ("town_admin", False),  # org_admin of the neighbouring community
    ("sec_b", False),       # another unit's secretary
    ("a2", False),          # a cadre of the unit
    ("com_a1", False),      # a committee member reviews, does not award stars
    ("sup_a", False),       # the supervisor sees the board, does not award stars
    ("audit", False),       # the auditor reads only
])
def test_who_records_stars_and_deductions(world, who, allowed):
    if allowed:
        assert stars(world, who, "a1", 4).shown == 4
        assert deduct(world, who, "a1", 1).entry.shown == 3
        return
    with pytest.raises(NotAllowed):
        stars(world, who, "a1", 4)
    with pytest.raises(NotAllowed):
        deduct(world, who, "a1", 1)


def test_nobody_records_stars_for_themselves(world):
    with pytest.raises(NotAllowed) as exc:
        svc.set_stars(world.sec_a, world.units["a"], APRIL, person(world, "sec_a"), "tasks", 5)
    assert exc.value.code == "own_stars"


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"n": 6}, "stars", "out_of_range"),                   # above SHOWCASE_MAX_STARS (5)
    ({"n": -1}, "stars", "out_of_range"),
    ({"n": "四"}, "stars", "not_a_number"),
    ({"whom": "b1"}, "subject", "not_in_unit"),            # a person of 西街社区
    ({"whom": "sup_a"}, "subject", "not_in_unit"),         # 城关镇 is above, not inside
    ({"dimension": "charm"}, "dimension", "unknown"),
    ({"on": "2026-05-02"}, "on", "outside_period"),
    ({"on": "4月2日"}, "on", "not_a_date"),
])
def test_stars_refused_with_the_field_named(world, change, field, code):
    args = {"n": 3, "whom": "a1", "dimension": "tasks"} | change
    kwargs = {"on": change["on"]} if "on" in change else {}
    with pytest.raises(Invalid) as exc:
        stars(world, "sec_a", args["whom"], args["n"], args["dimension"], **kwargs)
    assert exc.value.fields == {field: code}


@pytest.mark.parametrize(("kind", "reason", "field"), [
    ("criticism", "  ", "reason"),       # a 减星 always says why
    ("", "迟报材料", "kind"),
    ("warning", "迟报材料", "kind"),
])
def test_deduction_needs_kind_and_reason(world, kind, reason, field):
    with pytest.raises(Invalid) as exc:
        deduct(world, "sec_a", "a1", 1, kind=kind, reason=reason)
    assert list(exc.value.fields) == [field]


def test_shown_is_earned_less_deducted_never_below_zero(world):
    stars(world, "sec_a", "a1", 4)
    deduct(world, "sec_a", "a1", 1)
    big = deduct(world, "sec_a", "a1", 5, kind="criticism", reason="县委通报批评")
    entry = big.entry
    assert (entry.earned, entry.deducted, entry.shown) == (4, 6, 0)
    svc.withdraw_deduction(world.sec_a, big, "误录")
    assert (entry.deducted, entry.shown) == (1, 3)
    with pytest.raises(Invalid):
        svc.withdraw_deduction(world.sec_a, deduct(world, "sec_a", "a1", 1), " ")
    db.session.commit()


@pytest.mark.parametrize("statement", [
    "UPDATE showcase_entry SET shown = earned",                    # ignores the 减星
    "UPDATE showcase_entry SET earned = -1, shown = 0",
    "UPDATE showcase_deduction SET reason = ' '",
    "UPDATE showcase_deduction SET withdrawn_at = recorded_at",     # no one, no reason
    "UPDATE showcase_entry SET subject_unit_id = 1",                # a person and a unit
    "INSERT INTO showcase_entry (board_id, subject_user_id, dimension, earned, deducted, "
    "shown) SELECT board_id, subject_user_id, dimension, 0, 0, 0 FROM showcase_entry",
])
def test_the_database_keeps_the_arithmetic(world, statement):
    stars(world, "sec_a", "a1", 4)
    deduct(world, "sec_a", "a1", 1)
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


def test_the_board_ranks_people_and_departments(world):
    stars(world, "sec_a", "a1", 3)
    stars(world, "sec_a", "a2", 3, "ideas")
    stars(world, "sec_a", "a3", 5, "honours")
    deduct(world, "sec_a", "a3", 1, dimension="honours")
    svc.set_stars(world.admin, world.units["town"], APRIL, ("department", world.units["b"].id),
                  "activities", 2)
    db.session.commit()
    board = standings(world.units["a"], APRIL)
    assert [(r.name, r.total, r.rank) for r in board.persons[:3]] == [
        ("a3", 4, 1), ("a1", 3, 2), ("a2", 3, 2)]
    assert {r.name for r in board.persons} >= {"com_a1", "sec_a"}  # everyone, 0 stars too
    town = standings(world.units["town"], APRIL)
    assert [(r.name, r.total) for r in town.departments] == [("西街社区", 2), ("东街社区", 0)]
    with pytest.raises(Invalid):  # a grandchild is not a department of the county
        svc.set_stars(world.admin, world.units["root"], APRIL,
                      ("department", world.units["a"].id), "tasks", 1)


# --- the web pages -------------------------------------------------------------------------

BOARD = "/showcase/{a}/2026-04"


@pytest.mark.parametrize(("who", "status"), [
    ("a1", 200), ("sec_a", 200), ("com_a1", 200),   # the unit's members
    ("sup_a", 200),                                # its supervisor, from the town
    ("admin", 200), ("audit", 200),                # org_admin and auditor in scope
    ("b1", 403), ("sec_b", 403), ("town_admin", 403),  # another unit, whatever the role
])
def test_who_sees_the_board(world, auth, who, status):
    auth.login(who)
    for path in ("", "/bulletin", "/bulletin.xlsx", "/bulletin.pdf"):
        resp = auth.client.get(BOARD.format(a=world.units["a"].id) + path)
        assert resp.status_code == status, (path, resp.status_code)


def test_not_the_public(world, client):
    resp = client.get(BOARD.format(a=world.units["a"].id))
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_staff_only_visibility_hides_the_board_from_members(world, auth, app):
    app.config["SHOWCASE_VISIBILITY"] = "staff"
    board = BOARD.format(a=world.units["a"].id)
    assert auth.user("a1").get(board).status_code == 403
    assert auth.user("sup_a").get(board).status_code == 200


@pytest.mark.parametrize(("path", "status"), [
    ("/showcase/{a}/2026-13", 404), ("/showcase/{a}/2026-Q5", 404),
    ("/showcase/999999/2026-04", 404),
    ("/showcase/{a}/2026-Q2", 200), ("/showcase/{a}/2026-04/bulletin?week=2026-W30", 422),
])
def test_unknown_periods_and_weeks(world, auth, path, status):
    auth.login("a1")
    assert auth.client.get(path.format(a=world.units["a"].id)).status_code == status


def _record(web, unit, **fields):
    return web.post(f"/showcase/{unit.id}/2026-04/stars",
                    data={f"stars-{k}": v for k, v in fields.items()})


def test_secretary_records_and_a_member_sees_it(world, auth):
    unit = world.units["a"]
    web = auth.user("sec_a")
    web.get(BOARD.format(a=unit.id))
    resp = _record(web, unit, subject=f"person:{world.a1.id}", dimension="publicity",
                   stars="4", on="2026-04-02", note="市级媒体刊发信息 3 篇")
    assert resp.status_code == 303
    resp = web.post(f"/showcase/{unit.id}/2026-04/deductions", data={
        "deduct-subject": f"person:{world.a1.id}", "deduct-dimension": "publicity",
        "deduct-stars": "1", "deduct-kind": "criticism", "deduct-reason": "信息报送迟报被通报批评"})
    assert resp.status_code == 303
    member = auth.user("a2")
    page = member.get(BOARD.format(a=unit.id)).get_data(as_text=True)
    assert 'aria-label="3/5 星"' in page and "（减1星）" in page
    assert "信息报送迟报被通报批评" in page and "通报批评" in page
    assert 'id="record-stars"' not in page and 'id="deduct-stars"' not in page  # not a2's


def test_a_refused_form_keeps_what_was_typed(world, auth):
    unit = world.units["a"]
    web = auth.user("sec_a")
    web.get(BOARD.format(a=unit.id))
    resp = web.post(f"/showcase/{unit.id}/2026-04/deductions", data={
        "deduct-subject": f"person:{world.a1.id}", "deduct-dimension": "tasks",
        "deduct-stars": "2", "deduct-kind": "missed_target", "deduct-reason": "",
        "deduct-on": "2026-04-03"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "此项为必填项" in page
    assert 'value="2026-04-03"' in page
    resp = _record(web, unit, subject=f"person:{world.b1.id}", dimension="tasks", stars="2")
    assert resp.status_code == 422 and "请选择本单位人员或下属科室" in resp.get_data(as_text=True)


@pytest.mark.parametrize("who", ["a1", "com_a1", "audit", "town_admin", "sec_b"])
def test_cadres_and_outsiders_cannot_award_stars(world, auth, who):
    unit = world.units["a"]
    web = auth.user(who)
    web.get("/showcase")
    resp = _record(web, unit, subject=f"person:{world.a2.id}", dimension="tasks", stars="5")
    assert resp.status_code == 403
    assert db.session.scalar(select(ShowcaseEntry.id)) is None


def test_withdrawing_a_deduction(world, auth):
    d = deduct(world, "sec_a", "a1", 2)
    db.session.commit()
    web = auth.user("sec_a")
    web.get(BOARD.format(a=world.units["a"].id))
    assert web.post(f"/showcase/deductions/{d.id}/withdraw",
                    data={"withdraw-reason": "误录"}).status_code == 303
    page = web.get(BOARD.format(a=world.units["a"].id)).get_data(as_text=True)
    assert "撤回" in page and "误录" in page
    assert auth.user("a1").post(f"/showcase/deductions/{d.id}/withdraw",
                                data={"withdraw-reason": "x"}).status_code == 403


# --- the 周通报 ------------------------------------------------------------------------------

@pytest.fixture
def april(world):
    """a1: 3 stars on 2 April (week 14), raised to 5 on 8 April (week 15); a2 loses one
    on 9 April (week 15) for a missed target."""
    stars(world, "sec_a", "a1", 3, on="2026-04-02", note="完成一季度目标")
    stars(world, "sec_a", "a1", 5, on="2026-04-08", note="=HYPERLINK(\"http://x\")")
    stars(world, "sec_a", "a2", 2, "ideas", on="2026-04-01")
    deduct(world, "sec_a", "a2", 1, dimension="ideas", on=date(2026, 4, 9))
    db.session.commit()


def test_the_bulletin_ranks_as_of_its_week(world, auth, april):
    auth.login("a3")
    url = BOARD.format(a=world.units["a"].id) + "/bulletin?week="
    week14 = auth.client.get(url + "2026-W14").get_data(as_text=True)
    assert "2026年第14周" in week14 and 'aria-label="3/5 星"' in week14
    assert "+3 星" in week14 and "本周无加星或减星" not in week14
    week15 = auth.client.get(url + "2026-W15").get_data(as_text=True)
    assert 'aria-label="5/5 星"' in week15 and "+2 星" in week15 and "−1 星" in week15
    assert "未完成岗位目标任务：未完成月度招商任务" in week15
    week16 = auth.client.get(url + "2026-W16").get_data(as_text=True)
    assert "本周无加星或减星" in week16 and "未完成月度招商任务" in week16  # the period's 减星


def test_the_bulletin_exports(world, auth, april):
    auth.login("a3")
    base = BOARD.format(a=world.units["a"].id) + "/bulletin"
    resp = auth.client.get(base + ".xlsx?week=2026-W15")
    assert resp.status_code == 200 and "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(resp.data))
    assert book.sheetnames == ["星级榜", "本周变化", "减星"]
    ranking = [[c.value for c in row] for row in book["星级榜"].iter_rows(min_row=4)]
    assert ranking[0][:3] == [1, "a1", 5]
    changes = [[c.value for c in row] for row in book["本周变化"].iter_rows(min_row=4)]
    assert ["2026-04-08", "a1", "任务目标完成情况", 2, "'=HYPERLINK(\"http://x\")"] in changes
    pdf = auth.client.get(base + ".pdf?week=2026-W15")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")

"""Cycle set-up in the admin pages: create, copy last quarter, change, status moves; the
same checks as the API (dates, overlaps, SLAs, committee rules); scope is enforced."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import CONFIRMED, cycle_data
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.clock import as_utc
from workflow_app.cycles.lifecycle import copy_data, renamed, shift_months
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.workcalendar import LOCAL_TZ

OPENS = "2026-04-10T09:00"
DEADLINE = "2026-04-25T17:30"


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def form(world, **overrides):
    data = {"name": "2026年第二季度平时考核", "kind": "quarterly", "year": "2026",
            "quarter": "2", "workflow": "quarterly", "org_unit_ids": [str(world.units["a"].id)],
            "opens_at": OPENS, "submit_deadline": DEADLINE, "committee_stage": "y",
            "committee_scores": "y", "committee_rule": "majority",
            "supervisor_review": "2", "committee_review": "", "secretary_approval": "4",
            "leader_review": "", "publicity_days": "5", "appeal_days": "10",
            "action": "schedule"}
    data.update(overrides)
    return data


def text(resp):
    return resp.get_data(as_text=True)


def cycles():
    db.session.expire_all()
    return db.session.scalars(select(Cycle).order_by(Cycle.id)).all()


def test_new_cycle_is_scheduled_with_every_setting(auth, world):
    admin = auth.user("admin")
    page = text(admin.get("/admin/cycles/new"))
    assert "东街社区" in page and "西街社区" in page and 'type="datetime-local"' in page
    resp = admin.post("/admin/cycles/new", form(world))
    assert resp.status_code == 303, text(resp)
    [cycle] = cycles()
    assert cycle.status == "scheduled" and cycle.quarter == 2
    assert [u.id for u in cycle.org_units] == [world.units["a"].id]
    assert as_utc(cycle.opens_at) == datetime(2026, 4, 10, 1, 0, tzinfo=UTC)  # Beijing time
    assert cycle.stage_sla_days == {"supervisor_review": 2, "secretary_approval": 4}
    assert cycle.committee_rule == "majority" and cycle.appeal_days == 10
    assert "已保存：待开启" in text(admin.get("/admin/cycles"))


def test_save_as_draft_then_schedule(auth, world):
    admin = auth.user("admin")
    admin.post("/admin/cycles/new", form(world, action="draft"))
    [cycle] = cycles()
    assert cycle.status == "draft"
    assert admin.post(f"/admin/cycles/{cycle.id}/status/schedule").status_code == 303
    assert cycles()[0].status == "scheduled"


BAD_FORMS = [
    ({"submit_deadline": "2026-04-09T09:00"}, "截止时间必须晚于开始时间。"),
    ({"opens_at": "2026-03-01T09:00", "submit_deadline": "2026-03-20T09:00"}, "该时间已过。"),
    ({"opens_at": "下周一"}, "请输入日期和时间"),
    ({"name": ""}, "此项为必填项。"),
    ({"org_unit_ids": []}, "此项为必填项。"),
    ({"quarter": ""}, "此项为必填项。"),
    ({"workflow": "annual"}, "该流程与考核周期类型不符"),
    ({"supervisor_review": "90"}, "超出允许范围"),
    ({"committee_review": "两天"}, "请输入数字。"),
    ({"publicity_days": "-1"}, "超出允许范围"),
]


@pytest.mark.parametrize(("override", "message"), BAD_FORMS)
def test_bad_settings_are_explained_and_kept(auth, world, override, message):
    admin = auth.user("admin")
    resp = admin.post("/admin/cycles/new", form(world, **override))
    assert resp.status_code == 422
    page = text(resp)
    assert message in page
    assert "2026年第二季度平时考核" in page or override.get("name") == ""  # nothing typed lost
    assert cycles() == []


def test_overlapping_cycle_names_the_other_one(auth, world):
    admin = auth.user("admin")
    admin.post("/admin/cycles/new", form(world, org_unit_ids=[str(world.units["town"].id)],
                                         name="城关镇二季度"))
    resp = admin.post("/admin/cycles/new", form(world))  # 东街社区 lies under 城关镇
    assert resp.status_code == 422
    assert "“城关镇二季度”已覆盖其中部分单位" in text(resp)
    assert admin.post("/admin/cycles/new", form(world, quarter="3")).status_code == 303
    annual = form(world, kind="annual", quarter="", workflow="annual", name="2026年度")
    assert admin.post("/admin/cycles/new", annual).status_code == 303
    assert len(cycles()) == 3


def test_committee_categories_must_exist_in_the_units(auth, world):
    admin = auth.user("admin")
    bad = admin.post("/admin/cycles/new", form(world, committee_categories=["乡镇"]))
    assert bad.status_code == 422 and "本周期的单位中没有这个类别" in text(bad)
    good = admin.post("/admin/cycles/new", form(world, committee_categories=["社区"]))
    assert good.status_code == 303
    cycle = cycles()[0]
    assert cycle.committee_categories == ["社区"]
    assert cycle.has_committee_stage(world.units["a"])
    assert not cycle.has_committee_stage(world.units["town"])


@pytest.mark.parametrize(("who", "status"), [("a1", 403), ("sup_a", 403), ("audit", 403),
                                             ("town_admin", 403)])
def test_only_an_admin_over_every_unit_creates(auth, world, who, status):
    """town_admin administers 西街社区 only; 东街社区 is outside their subtree."""
    resp = auth.user(who).post("/admin/cycles/new", form(world))
    assert resp.status_code == status
    assert cycles() == []


def test_admin_of_a_subtree_sees_only_its_units(auth, world):
    page = text(auth.user("town_admin").get("/admin/cycles/new"))
    assert "西街社区" in page and "东街社区" not in page
    assert auth.user("a1").get("/admin/cycles/new").status_code == 403


def test_copy_last_quarter_shifts_dates_and_keeps_rules(auth, world, create_cycle):
    source = create_cycle(stage_sla_days={"supervisor_review": 2}, committee_rule="all",
                          units=[world.units["a"]])
    admin = auth.user("admin")
    page = text(admin.get("/admin/cycles/new"))
    assert f"/admin/cycles/new?copy={source.id}" in page
    copied = text(admin.get(f"/admin/cycles/new?copy={source.id}"))
    assert 'value="2026年第二季度平时考核"' in copied
    opens = shift_months(source.opens_at, 3).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{opens}"' in copied and 'selected value="all"' in copied
    data = copy_data(source)
    assert (data["year"], data["quarter"], data["stage_sla_days"]) == (
        2026, 2, {"supervisor_review": 2})


@pytest.mark.parametrize(("name", "quarter", "expected"), [
    ("2026年第一季度平时考核", 1, "2026年第二季度平时考核"),
    ("2026年第4季度", 4, "2027年第1季度"),
    ("2026 Q3 review", 3, "2026 Q4 review"),
    ("东街社区考核", 2, "东街社区考核"),
])
def test_copied_names_follow_the_period(name, quarter, expected):
    class Source:
        year, kind = 2026, "quarterly"
    Source.quarter = quarter
    year, nxt = (2027, 1) if quarter == 4 else (2026, quarter + 1)
    assert renamed(name, Source, year, nxt) == expected


def test_shift_months_clamps_the_day():
    end_of_may = datetime(2026, 5, 31, 17, 30, tzinfo=LOCAL_TZ)
    assert shift_months(end_of_may, 1) == datetime(2026, 6, 30, 17, 30, tzinfo=LOCAL_TZ)
    assert shift_months(end_of_may, 9).year == 2027


def test_change_a_scheduled_cycle_but_not_an_open_one(auth, world, create_cycle):
    admin = auth.user("admin")
    admin.post("/admin/cycles/new", form(world))
    cycle = cycles()[0]
    resp = admin.post(f"/admin/cycles/{cycle.id}/edit", form(world, name="改名后", quarter="2"))
    assert resp.status_code == 303 and cycles()[0].name == "改名后"
    opened = create_cycle(units=[world.units["b"]])
    refused = admin.get(f"/admin/cycles/{opened.id}/edit", follow_redirects=True)
    assert "只有草稿或待开启的考核周期可以修改。" in text(refused)
    assert auth.user("town_admin").get(f"/admin/cycles/{cycle.id}/edit").status_code == 403


def test_status_moves_from_the_admin_page(auth, world, create_cycle, clock):
    cycle = create_cycle(open_now=False, units=[world.units["a"]])
    admin = auth.user("admin")
    page = text(admin.get("/admin/cycles"))
    assert f"/admin/cycles/{cycle.id}/status/open" in page
    assert f"/admin/cycles/{cycle.id}/status/close" not in page
    admin.post(f"/admin/cycles/{cycle.id}/status/open")
    assert cycles()[0].status == "open"
    assert len(db.session.scalars(select(Assessment)).all()) == 3
    admin.post(f"/admin/cycles/{cycle.id}/status/close")
    closed = cycles()[0]
    assert closed.status == "closed" and as_utc(closed.closed_at) == clock.now
    flags = {tuple(a.flags) for a in db.session.scalars(select(Assessment))}
    assert flags == {("not_submitted",)}
    resp = admin.post(f"/admin/cycles/{cycle.id}/status/archive", CONFIRMED, follow_redirects=True)
    assert "当前状态下无法进行此操作" in text(resp) and cycles()[0].status == "closed"


@pytest.mark.parametrize(("who", "action", "status"), [
    ("town_admin", "open", 403), ("a1", "open", 403), ("admin", "explode", 404),
])
def test_status_moves_are_refused_out_of_scope(auth, world, create_cycle, who, action, status):
    cycle = create_cycle(open_now=False, units=[world.units["a"]])
    assert auth.user(who).post(f"/admin/cycles/{cycle.id}/status/{action}").status_code == status
    assert cycles()[0].status == "scheduled"


def test_a_cycle_created_in_the_pages_opens_by_itself(auth, world, runner):
    auth.user("admin").post("/admin/cycles/new", form(world))
    opens = datetime(2026, 4, 10, 9, 0, tzinfo=LOCAL_TZ)
    early = runner.invoke(args=["scheduler", "--run-once", "--now",
                                (opens - timedelta(minutes=1)).isoformat()])
    assert "open_due_cycles: 0" in early.output and cycles()[0].status == "scheduled"
    result = runner.invoke(args=["scheduler", "--run-once", "--now", "2026-04-10T09:00"])
    assert "open_due_cycles: 1" in result.output
    assert cycles()[0].status == "open"
    assert len(db.session.scalars(select(Assessment)).all()) == 3


API_ERRORS = [
    ({"stage_sla_days": {"supervisor_review": 99}}, "stage_sla_days.supervisor_review"),
    ({"stage_sla_days": {"leader_review": 2}}, "stage_sla_days.leader_review"),
    ({"stage_sla_days": [1, 2]}, "stage_sla_days"),
    ({"committee_rule": "dictator"}, "committee_rule"),
    ({"committee_categories": "社区"}, "committee_categories"),
    ({"committee_categories": ["农业类"]}, "committee_categories"),
    ({"kind": "annual", "quarter": 2, "workflow": "annual"}, "quarter"),
    ({"status": "open"}, "status"),
]


@pytest.mark.parametrize(("override", "field"), API_ERRORS)
def test_the_api_uses_the_same_checks(world, api, clock, override, field):
    data = cycle_data(world, clock, org_unit_ids=[world.units["town"].id], **override)
    resp = api.as_user("admin").post("/cycles", json=data)
    assert resp.status_code == 422, resp.get_json()
    assert field in resp.get_json()["fields"]


def test_the_api_explains_an_overlap(world, api, clock):
    admin = api.as_user("admin")
    data = cycle_data(world, clock, org_unit_ids=[world.units["town"].id])
    assert admin.post("/cycles", json=data).status_code == 201
    again = admin.post("/cycles", json={**data, "org_unit_ids": [world.units["b"].id]})
    body = again.get_json()
    assert again.status_code == 422 and body["error"] == "overlap"
    assert "2026年第一季度平时考核" in body["message"]
    assert body["fields"]["org_unit_ids"]["code"] == "overlap"

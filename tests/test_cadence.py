"""Cycles of every cadence the seeds use (issue 14): a month (汶上县 月度自评, reviewed by
两委会 → 社区党委书记 → 包社区领导干部; 鱼台县 红黄蓝 月排名), a half-year (秦皇岛 上半年
专项考核) beside the quarter and the year. A month is light: the short self-evaluation,
no 公示 unless its cycle sets days; the quarter takes in the mean of its months."""

from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import CONFIRMED, FULL_REPORT, cycle_data, exclude_unfinished
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles.lifecycle import copy_data
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import create_cycle as create_cycle_service
from workflow_app.cycles.services import open_cycle
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.scheduler.jobs import open_due_cycles, remind_submit_deadline
from workflow_app.scoring.services import grade_cycle, publish_cycle

MONTHLY_REPORT = {"key_work": "本月完成网格走访 86 户，调解邻里纠纷 2 起",
                  "self_scores": {"de": 92, "neng": 88, "qin": 95, "ji": 90, "lian": 96}}


def _monthly(world, clock, month=1, units=None, **overrides):
    data = cycle_data(world, clock, name=f"2026年{month}月社区工作者月度自评",
                      kind="monthly", quarter=None, month=month,
                      workflow="community_monthly", **overrides)
    if "publicity_days" not in overrides:
        data.pop("publicity_days")  # the monthly default: no 公示
    cycle = create_cycle_service(world.admin, data, units or [world.units["a"]])
    open_cycle(cycle, world.admin)
    db.session.commit()
    return cycle


def _mine(world, name, cycle):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[name].id, Assessment.cycle_id == cycle.id))


def _through_the_chain(world, name, cycle, score):
    """The cadre's short self-evaluation, then 两委会 → 社区党委书记 → 包社区领导干部."""
    a = _mine(world, name, cycle)
    save_report(a, world.users[name], MONTHLY_REPORT)
    fire_event(a, "submit", world.users[name])
    assert a.state == "committee_review"
    fire_event(a, "approve", world.com_a1, score=score)
    assert a.state == "secretary_approval"
    fire_event(a, "approve", world.sec_a)
    assert a.state == "leader_review"
    fire_event(a, "approve", world.sup_a)
    assert a.state == "approved"
    return a


def _filed_month(world, clock, month, scores):
    cycle = _monthly(world, clock, month=month)
    done = {n: _through_the_chain(world, n, cycle, s) for n, s in scores.items()}
    exclude_unfinished(cycle, world.admin)
    grade_cycle(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    return cycle, done


# --- setting a cycle up ------------------------------------------------------------------

@pytest.mark.parametrize(("overrides", "field", "code"), [
    ({"kind": "monthly", "quarter": None}, "month", "required"),
    ({"kind": "monthly", "quarter": None, "month": 13}, "month", "out_of_range"),
    ({"kind": "monthly", "quarter": 1, "month": 2}, "quarter", "not_accepted"),
    ({"kind": "half_year", "quarter": None}, "half", "required"),
    ({"kind": "half_year", "quarter": None, "half": 3}, "half", "out_of_range"),
    ({"kind": "quarterly", "month": 2}, "month", "not_accepted"),
    ({"kind": "annual", "quarter": None, "half": 1}, "half", "not_accepted"),
    ({"workflow": "community_monthly"}, "workflow", "wrong_kind"),
    ({"kind": "half_year", "quarter": None, "half": 1, "workflow": "community_monthly"},
     "workflow", "wrong_kind"),
    ({"grading": {"monthly_feed": {"mode": "median"}}}, "grading.monthly_feed.mode", "unknown"),
    ({"grading": {"monthly_feed": {"mode": "mean", "weight": 120}}},
     "grading.monthly_feed.weight", "out_of_range"),
    ({"kind": "monthly", "quarter": None, "month": 1, "grading": {"monthly_feed": {}}},
     "grading.monthly_feed", "not_accepted"),
])
def test_each_kind_names_its_own_period(world, clock, overrides, field, code):
    with pytest.raises(Invalid) as refused:
        create_cycle_service(world.admin, cycle_data(world, clock, **overrides),
                             [world.units["a"]])
    assert refused.value.fields[field] == code


def test_a_month_has_no_publicity_unless_asked(world, clock):
    plain = _monthly(world, clock, month=1)
    asked = _monthly(world, clock, month=2, publicity_days=3)
    assert (plain.publicity_days, plain.without_publicity) == (0, True)
    assert (asked.publicity_days, asked.without_publicity) == (3, False)
    assert plain.months == (1,) and asked.workflow_key == "community_monthly"


def test_the_same_month_twice_over_the_same_units_is_refused(world, clock):
    _monthly(world, clock, month=3)
    with pytest.raises(Invalid) as refused:
        _monthly(world, clock, month=3, units=[world.units["town"]])
    assert refused.value.code == "overlap"
    assert _monthly(world, clock, month=4).month == 4  # the next month is another period


@pytest.mark.parametrize("statement", [
    "UPDATE cycle SET month = NULL WHERE kind = 'monthly'",
    "UPDATE cycle SET month = 13 WHERE kind = 'monthly'",
    "UPDATE cycle SET kind = 'half_year' WHERE kind = 'monthly'",
    "UPDATE cycle SET kind = 'weekly' WHERE kind = 'monthly'",
])
def test_the_database_holds_the_period_rules(world, clock, statement):
    _monthly(world, clock)
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


@pytest.mark.parametrize(("kind", "period", "name", "expected"), [
    ("monthly", {"month": 3}, "2026年3月月度自评", ("2026年4月月度自评", 2026, {"month": 4})),
    ("monthly", {"month": 12}, "2026年12月月度自评", ("2027年1月月度自评", 2027,
                                                  {"month": 1})),
    ("half_year", {"half": 1}, "2026年上半年专项考核", ("2026年下半年专项考核", 2026,
                                                    {"half": 2})),
    ("half_year", {"half": 2}, "2026年下半年专项考核", ("2027年上半年专项考核", 2027,
                                                    {"half": 1})),
])
def test_copying_goes_to_the_next_period(world, clock, kind, period, name, expected):
    data = cycle_data(world, clock, name=name, kind=kind, quarter=None, **period)
    cycle = create_cycle_service(world.admin, data, [world.units["a"]])
    copied = copy_data(cycle)
    column = next(iter(period))
    assert (copied["name"], copied["year"], {column: copied[column]}) == expected
    assert copied["opens_at"].month == (cycle.opens_at.month + (1 if kind == "monthly" else 6)
                                        - 1) % 12 + 1


# --- a month through its three-level review -------------------------------------------------

def test_the_short_self_evaluation_is_enough_to_submit(world, clock):
    cycle = _monthly(world, clock)
    a = _mine(world, "a1", cycle)
    save_report(a, world.a1, {"key_work": "", "self_scores": {"de": 90}})
    with pytest.raises(Invalid) as refused:
        fire_event(a, "submit", world.a1)
    # The month asks for its work and the five scores, not the quarter's other parts.
    assert set(refused.value.fields) == {"key_work", "self_scores.neng", "self_scores.qin",
                                         "self_scores.ji", "self_scores.lian"}
    db.session.rollback()
    a = _mine(world, "a1", cycle)
    save_report(a, world.a1, MONTHLY_REPORT)
    fire_event(a, "submit", world.a1)
    assert a.state == "committee_review"


@pytest.mark.parametrize(("state", "who"), [
    ("committee_review", "a2"),          # a colleague
    ("committee_review", "com_b"),       # the other community's two committees
    ("committee_review", "sup_a"),       # the contact leader, before his turn
    ("secretary_approval", "sec_b"),     # the other community's secretary
    ("leader_review", "sup_b"),          # not a1's contact leader
])
def test_only_the_right_level_of_the_right_community_approves(world, clock, state, who):
    cycle = _monthly(world, clock, units=[world.units["town"]])
    a = _mine(world, "a1", cycle)
    save_report(a, world.a1, MONTHLY_REPORT)
    fire_event(a, "submit", world.a1)
    if state != "committee_review":
        fire_event(a, "approve", world.com_a1, score=90)
    if state == "leader_review":
        fire_event(a, "approve", world.sec_a)
    assert a.state == state
    with pytest.raises(NotAllowed):
        fire_event(a, "approve", world.users[who], score=90)


def test_a_month_is_filed_at_once_and_ranked_in_bands(world, clock):
    cycle, done = _filed_month(world, clock, 1, {"a1": 95, "a2": 85, "a3": 70})
    db.session.expire_all()
    states = {n: db.session.get(Assessment, a.id).state for n, a in done.items()}
    assert states == {"a1": "final", "a2": "final", "a3": "final"}
    assert db.session.get(Cycle, cycle.id).status == "published"
    grades = {n: db.session.get(Assessment, a.id).grade for n, a in done.items()}
    assert grades == {"a1": "好", "a2": "较好", "a3": "一般"}  # the quarterly scale
    bands = {n: [f for f in db.session.get(Assessment, a.id).flags if f.startswith("band_")]
             for n, a in done.items()}
    assert bands == {"a1": ["band_red"], "a2": ["band_yellow"], "a3": ["band_blue"]}
    # No 公示 notice: nothing was published for objections.
    assert not db.session.scalar(select(Notification.id).where(
        Notification.kind == "published").limit(1))


def test_a_month_with_publicity_days_goes_through_publication(world, clock):
    cycle = _monthly(world, clock, month=2, publicity_days=3)
    a = _through_the_chain(world, "a1", cycle, 90)
    exclude_unfinished(cycle, world.admin)
    grade_cycle(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    assert db.session.get(Assessment, a.id).state == "published"


# --- months feed the quarter ---------------------------------------------------------------

@pytest.mark.parametrize(("feed", "a1_score", "flagged"), [
    (None, 87.0, True),                               # default: 70 % own + 30 % mean (80)
    ({"mode": "mean", "weight": 50}, 85.0, True),     # 50 / 50
    ({"mode": "none"}, 90.0, False),                  # the months left out
])
def test_the_quarter_takes_in_the_mean_of_its_months(world, clock, create_cycle, feed,
                                                     a1_score, flagged):
    _filed_month(world, clock, 1, {"a1": 70, "a2": 80})
    _filed_month(world, clock, 2, {"a1": 90})
    _filed_month(world, clock, 4, {"a1": 10})          # April is the next quarter's
    quarter = create_cycle(units=[world.units["a"]], workflow="community_quarterly",
                           grading={"monthly_feed": feed} if feed else {})
    for name, score in (("a1", 90), ("a3", 90)):
        a = _mine(world, name, quarter)
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
        fire_event(a, "approve", world.com_a1, score=score)
        fire_event(a, "approve", world.sec_a)
        fire_event(a, "approve", world.sup_a)
    grade_cycle(quarter, world.admin)
    db.session.commit()
    a1, a3 = _mine(world, "a1", quarter), _mine(world, "a3", quarter)
    assert float(a1.score) == a1_score
    assert ("monthly_mean" in a1.flags) is flagged
    # a3 has no filed month: the quarter's own score, unflagged, whatever the setting.
    assert float(a3.score) == 90.0 and "monthly_mean" not in a3.flags


def test_the_grading_page_shows_the_setting_and_the_months(app, client, world, clock,
                                                           create_cycle):
    _filed_month(world, clock, 1, {"a1": 70})
    _filed_month(world, clock, 3, {"a1": 90})
    quarter = create_cycle(units=[world.units["a"]], workflow="community_quarterly")
    a = _mine(world, "a1", quarter)
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "approve", world.com_a1, score=90)
    fire_event(a, "approve", world.sec_a)
    fire_event(a, "approve", world.sup_a)
    grade_cycle(quarter, world.admin)
    db.session.commit()
    page = Auth(app, client).user("admin").get(f"/admin/cycles/{quarter.id}/grading")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'id="monthly-feed"' in body
    assert "30" in body and "70" in body and "80.00" in body  # weights and a1's mean
    month_page = Auth(app, client).user("admin").get(
        f"/admin/cycles/{_monthly(world, clock, month=5).id}/grading")
    assert 'id="monthly-feed"' not in month_page.get_data(as_text=True)


def test_filing_a_month_from_the_page_says_so(app, client, world, clock):
    cycle = _monthly(world, clock)
    _through_the_chain(world, "a1", cycle, 90)
    exclude_unfinished(cycle, world.admin)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    admin = Auth(app, client).user("admin")
    page = admin.get(f"/admin/cycles/{cycle.id}/grading").get_data(as_text=True)
    assert "本月结果直接备案（不公示）" in page and ">发布公示<" not in page
    resp = admin.post(f"/admin/cycles/{cycle.id}/grading/publish", CONFIRMED,
                      follow_redirects=True)
    assert resp.status_code == 200
    assert _mine(world, "a1", cycle).state == "final"


# --- the scheduler opens and reminds a month like any cycle -----------------------------

def test_the_scheduler_opens_and_reminds_a_month(world, clock):
    data = cycle_data(world, clock, name="2026年1月月度自评", kind="monthly", quarter=None,
                      month=1, workflow="community_monthly",
                      opens_at=(clock.now + timedelta(hours=1)).isoformat(),
                      submit_deadline=(clock.now + timedelta(days=3)).isoformat())
    cycle = create_cycle_service(world.admin, data, [world.units["a"]])
    db.session.commit()
    assert open_due_cycles(clock.now) == 0
    later = clock.now + timedelta(hours=2)
    assert open_due_cycles(later) == 1 and open_due_cycles(later) == 0
    db.session.commit()
    assert db.session.get(Cycle, cycle.id).status == "open"
    first = remind_submit_deadline(later)
    db.session.commit()
    assert first == 3 and remind_submit_deadline(later) == 0  # a1–a3, once


# --- the admin form ------------------------------------------------------------------------

def _form(world, **overrides):
    from tests.test_cycles_admin import form

    return form(world, **{"name": "2026年4月社区工作者月度自评", "kind": "monthly",
                          "quarter": "", "month": "4", "half": "",
                          "workflow": "community_monthly", "publicity_days": "0",
                          "supervisor_review": "", "leader_review": "2", **overrides})


@pytest.mark.parametrize(("overrides", "message"), [
    ({"month": ""}, "此项为必填项。"),
    ({"quarter": "2"}, "此环节不接受该项内容。"),
    ({"workflow": "community_quarterly"}, "社区月度流程用于月度考核"),
])
def test_the_form_refuses_a_month_without_its_period_and_keeps_the_input(app, client, world,
                                                                         overrides, message):
    resp = Auth(app, client).user("admin").post("/admin/cycles/new", _form(world, **overrides))
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and message in body
    assert "2026年4月社区工作者月度自评" in body
    assert db.session.scalar(select(Cycle.id).limit(1)) is None


def test_the_form_sets_up_a_month_and_a_half_year(app, client, world):
    admin = Auth(app, client).user("admin")
    assert admin.post("/admin/cycles/new", _form(world)).status_code == 303
    half = _form(world, name="2026年上半年专项考核", kind="half_year", month="", half="1",
                 workflow="quarterly", publicity_days="5", leader_review="")
    assert admin.post("/admin/cycles/new", half).status_code == 303
    db.session.expire_all()
    made = db.session.scalars(select(Cycle).order_by(Cycle.id)).all()
    assert [(c.kind, c.month, c.half, c.quarter, c.publicity_days) for c in made] == [
        ("monthly", 4, None, None, 0), ("half_year", None, 1, None, 5)]
    page = admin.get(f"/admin/cycles/{made[0].id}/edit").get_data(as_text=True)
    assert 'selected value="4"' in page and 'selected value="monthly"' in page

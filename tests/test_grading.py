"""Grading worked examples through the services, on both databases.

Unit 东街社区 has three cadres (a1, a2, a3): the 好 quota is floor(40 % × 3) = 1.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.services import grade_cycle


def _approve(world, username, score):
    cadre = world.users[username]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id)
                          .order_by(Assessment.id.desc()).limit(1))
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score - 1)
    fire_event(a, "approve", world.com_a1, score=score)
    fire_event(a, "approve", world.sec_a)
    return a


def _grade(world, cycle, scores, negatives=()):
    approved = {name: _approve(world, name, s) for name, s in scores.items()}
    for name, kind, points in negatives:
        record_negative_item(approved[name], world.audit, kind=kind, points=points,
                             reason="经查实")
    grade_cycle(cycle, world.admin)
    db.session.commit()
    return {n: (a.grade, a.flags) for n, a in approved.items()}


def test_tie_at_the_quota_boundary_is_flagged_not_broken(world, create_cycle):
    result = _grade(world, create_cycle(), {"a1": 95, "a2": 95, "a3": 80})
    assert result["a1"][0] == result["a2"][0] == "较好"
    assert "tie_at_quota_boundary" in result["a1"][1]
    assert "tie_at_quota_boundary" in result["a2"][1]


def test_veto_caps_that_grade_only(world, create_cycle):
    result = _grade(world, create_cycle(), {"a1": 98, "a2": 95, "a3": 80},
                    negatives=[("a1", "veto", None)])
    assert result["a1"][0] == "较差" and "veto" in result["a1"][1]
    # No team recorded: no joint liability, the 好 quota stays floor(0.4 × 3) = 1.
    assert result["a2"][0] == "好"
    assert not {"joint_liability", "over_quota"} & set(result["a2"][1])


def test_deduction_lowers_the_score(world, create_cycle):
    result = _grade(world, create_cycle(), {"a1": 92, "a2": 70, "a3": 65},
                    negatives=[("a1", "deduct", 5)])
    a1 = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))
    assert a1.score == 87 and result["a1"] == ("较好", a1.flags)
    assert "deducted" in a1.flags


def test_ranks_focus_and_bands_within_the_category(world, create_cycle):
    _grade(world, create_cycle(), {"a1": 95, "a2": 85, "a3": 70})
    rows = db.session.scalars(select(Assessment).where(Assessment.grade.is_not(None))
                              .order_by(Assessment.rank)).all()
    assert [a.rank for a in rows] == [1, 2, 3]
    assert "band_red" in rows[0].flags and "band_blue" in rows[2].flags
    assert "focus_bottom" not in rows[0].flags


def _quarter(world, clock, quarter, grades):
    """A past quarter whose results are final (set directly: history, not the subject)."""
    from tests.factories import cycle_data
    from workflow_app.cycles.services import create_cycle, open_cycle

    cycle = create_cycle(world.admin, cycle_data(world, clock, quarter=quarter,
                                                 name=f"2026年第{quarter}季度"),
                         [world.units["a"]])
    open_cycle(cycle, world.admin)
    for a in db.session.scalars(select(Assessment).where(Assessment.cycle_id == cycle.id)):
        grade, score = grades.get(a.cadre.username, ("较好", 80))
        a.state, a.grade, a.score = "final", grade, score
    db.session.commit()


POOR, WEAK, GOOD = ("较差", 55), ("一般", 65), ("好", 92)
# Per-cycle configuration: a 40 % 优秀 quota, so one of the unit's three may get it
# (the default 20 % of three people rounds down to nobody).
ANNUAL_GRADING = {"grades": [{"grade": "优秀", "min": 90, "quota": 0.4},
                             {"grade": "称职", "min": 70}, {"grade": "基本称职", "min": 60},
                             {"grade": "不称职", "min": 0}]}


@pytest.mark.parametrize(("record", "grade", "flags"), [
    ([POOR, POOR, POOR, GOOD], "不称职", {"no_promotion", "mostly_weak_quarters"}),
    ([POOR, POOR, GOOD, GOOD], "称职", {"reminder_talk"}),
    ([GOOD, GOOD, GOOD, GOOD], "优秀", set()),
    ([GOOD, GOOD, WEAK, GOOD], "称职", set()),
])
def test_annual_rollup_from_the_quarterly_record(world, create_cycle, clock, record, grade,
                                                 flags):
    for n, result in enumerate(record, start=1):
        _quarter(world, clock, n, {"a1": result})
    annual = create_cycle(units=[world.units["a"]], kind="annual", quarter=None,
                          workflow="annual", name="2026年度考核", grading=ANNUAL_GRADING)
    result = _grade(world, annual, {"a1": 95})
    assert result["a1"][0] == grade
    assert flags <= set(result["a1"][1])


def test_missing_quarters_are_visible_not_zero(world, create_cycle, clock):
    _quarter(world, clock, 1, {"a1": GOOD})
    _quarter(world, clock, 2, {"a1": GOOD})
    clock.advance(days=1)
    annual = create_cycle(units=[world.units["a"]], kind="annual", quarter=None,
                          workflow="annual", name="2026年度考核", grading=ANNUAL_GRADING,
                          opens_at=(clock.now - timedelta(hours=1)).isoformat())
    result = _grade(world, annual, {"a1": 95})
    assert result["a1"][0] == "优秀"
    assert {"missing_quarter:3", "missing_quarter:4"} <= set(result["a1"][1])


@pytest.mark.parametrize(("who", "payload", "status"), [
    ("audit", {"kind": "veto", "reason": "违反廉洁纪律"}, 201),
    ("admin", {"kind": "deduct", "points": 3, "reason": "迟报"}, 201),
    ("a1", {"kind": "deduct", "points": 3, "reason": "x"}, 403),
    ("sup_a", {"kind": "veto", "reason": "x"}, 403),
    ("town_admin", {"kind": "veto", "reason": "x"}, 403),
    ("audit", {"kind": "fine", "reason": "x"}, 422),
    ("audit", {"kind": "deduct", "reason": "x"}, 422),
    ("audit", {"kind": "deduct", "points": 500, "reason": "x"}, 422),
    ("audit", {"kind": "veto", "reason": ""}, 422),
])
def test_who_records_negative_items(world, create_cycle, api, who, payload, status):
    create_cycle()
    aid = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.a1.id))
    resp = api.as_user(who).post(f"/assessments/{aid}/negative-items", json=payload)
    assert resp.status_code == status, resp.get_json()

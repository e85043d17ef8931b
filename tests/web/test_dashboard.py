"""One dashboard with a part per role: cadre, reviewer, organisation department."""

import re

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db


def _text(resp):
    return resp.get_data(as_text=True)


@pytest.fixture
def running(world, create_cycle):
    cycle = create_cycle()
    for name in ("a1", "b1"):
        a = db.session.scalar(select(Assessment).where(
            Assessment.cadre_id == world.users[name].id))
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
    db.session.commit()
    return cycle


def _section(html, ident):
    start = html.index(f'id="{ident}"')
    return html[start:html.index("</section>", start)]


@pytest.mark.parametrize(("who", "parts"), [
    ("a1", {"dash-mine"}),
    ("sup_a", {"dash-mine", "dash-review"}),  # a supervisor who is also a cadre
    ("com_a1", {"dash-review"}),
    ("admin", {"dash-review", "dash-cycle-1", "dash-audit"}),
    ("audit", {"dash-audit"}),  # the way to their own home (issue 10 #9)
])
def test_parts_follow_roles(auth, world, running, who, parts):
    html = _text(auth.user(who).get("/dashboard"))
    shown = set(re.findall(r'id="(dash-[\w-]+)"', html))
    assert shown == parts


def test_cadre_sees_state_and_deadline(auth, world, running):
    mine = _section(_text(auth.user("a2").get("/dashboard")), "dash-mine")
    assert "2026年第一季度平时考核" in mine and "填写中" in mine
    assert "2026-04-15 17:00" in mine  # the submit deadline, Beijing time
    sent = _section(_text(auth.user("a1").get("/dashboard")), "dash-mine")
    assert "上级审核" in sent and "已提交，等待审核" in sent


def test_reviewer_sees_counts(auth, world, running, clock):
    clock.advance(days=10)
    review = _section(_text(auth.user("sup_a").get("/dashboard")), "dash-review")
    assert re.search(r'上级审核 <span class="count">1</span>', review)
    assert re.search(r'已逾期 <span class="count">1</span>', review)


def test_org_admin_sees_progress_per_unit_and_who_is_late(auth, world, running, clock):
    clock.advance(days=20)  # past the submit deadline and every review SLA
    part = _section(_text(auth.user("admin").get("/dashboard")), "dash-cycle-1")
    rows = dict(re.findall(r'<tr><th scope="row">([^<]+)</th>(.*?)</tr>', part))
    assert set(rows) == {"东街社区", "西街社区", "城关镇"}
    assert re.findall(r"<td[^>]*>(\d*)</td>", rows["东街社区"])[-1] == "3"  # a1, a2, a3
    late = part[part.index("late-list"):]
    for name in ("a1", "a2", "a3", "b1", "sup_a"):
        assert f">{name}</a>" in late
    assert "上级领导 (sup_a)" in late and "干部" in late


def test_org_admin_of_one_unit_sees_only_it(auth, world, running, clock):
    clock.advance(days=20)
    part = _section(_text(auth.user("town_admin").get("/dashboard")), "dash-cycle-1")
    assert "西街社区" in part and "东街社区" not in part
    assert ">b1</a>" in part and ">a1</a>" not in part

"""A cadre's trend across quarters: an inline SVG of score and grade per quarter, on the
assessment page (for whoever may see its details) and on the cadre's own dashboard."""

import pytest
from sqlalchemy import select

from tests.factories import cycle_data
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db
from workflow_app.scoring.trend import build_trend


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def _quarter(world, clock, quarter, results, state="final"):
    """A past quarter of 东街社区 with its results set directly (history, not the subject)."""
    clock.advance(days=1)
    cycle = create_cycle(world.admin, cycle_data(world, clock, quarter=quarter,
                                                 name=f"2025年第{quarter}季度", year=2025),
                         [world.units["a"]])
    open_cycle(cycle, world.admin)
    found = {}
    for a in db.session.scalars(select(Assessment).where(Assessment.cycle_id == cycle.id)):
        grade, score = results.get(a.cadre.username, ("较好", 80))
        a.state, a.grade, a.score = state, grade, score
        found[a.cadre.username] = a.id
    db.session.commit()
    return found


@pytest.fixture
def history(world, clock):
    """a1: 2025 Q1 一般 65, Q2 较好 82, Q3 好 93 (final); Q4 较好 88 graded, not published."""
    ids = [_quarter(world, clock, 1, {"a1": ("一般", 65)}),
           _quarter(world, clock, 2, {"a1": ("较好", 82)}),
           _quarter(world, clock, 3, {"a1": ("好", 93)}),
           _quarter(world, clock, 4, {"a1": ("较好", 88)}, state="approved")]
    return [q["a1"] for q in ids]


def _points(html):
    return html.count('class="trend-point"')


def test_geometry_higher_score_is_higher_on_the_chart(world, app):
    cycle = Cycle(name="q", kind="quarterly", year=2025, quarter=1, grading={})
    trend = build_trend([(1, cycle, 65, "一般"), (2, cycle, 93, "好")])
    first, second = trend.points
    assert first.x < second.x and second.y < first.y
    assert trend.low <= 65 and trend.high >= 93
    assert trend.path.startswith("M") and " L" in trend.path
    assert first.label == "2025 Q1" and second.colour != first.colour


def test_supervisor_sees_every_graded_quarter(history, auth):
    html = auth.user("sup_a").get(f"/assessments/{history[2]}").get_data(as_text=True)
    assert 'id="trend"' in html and "<svg" in html
    assert _points(html) == 4
    assert "2025 Q1" in html and "2025 Q4" in html


def test_cadre_sees_only_published_grades(history, auth):
    a1 = auth.user("a1")
    html = a1.get(f"/assessments/{history[2]}").get_data(as_text=True)
    assert _points(html) == 3 and "2025 Q4" not in html
    dash = a1.get("/dashboard").get_data(as_text=True)
    assert 'id="dash-trend"' in dash and _points(dash) == 3
    assert "我的历季度走势" in dash


def test_colleague_and_outsiders_see_no_trend(history, auth):
    # A colleague sees the published result (公示) but not the person's history.
    html = auth.user("a2").get(f"/assessments/{history[2]}").get_data(as_text=True)
    assert 'id="trend"' not in html
    assert auth.user("b1").get(f"/assessments/{history[2]}").status_code == 403
    # Someone without graded quarters gets no chart on the dashboard.
    assert 'id="dash-trend"' not in auth.user("b1").get("/dashboard").get_data(as_text=True)

"""A cadre's own result before 公示: graded (a trial run 试算, or graded and not yet
published), the score, grade and rank must reach the cadre through no page, API answer
or printed form; staff see them at once, the cadre from publication on."""

import re

import pytest
from sqlalchemy import select

from tests.factories import exclude_unfinished
from tests.test_grading import _approve
from tests.web.conftest import Auth
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle, publish_cycle

SCORE = "93.50"


@pytest.fixture
def graded(world, create_cycle):
    """a1 approved with 93.5 and graded 好 (rank 1); the cycle not published yet."""
    cycle = create_cycle()
    a = _approve(world, "a1", 93.5)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    assert (a.grade, a.rank) == ("好", 1)
    return cycle, a.id


def _views(app, client, api, who, a_id):
    """Where the result would show: the grade's own place on each page and answer (the
    reviewers' scores are the review's, shown to the cadre as before)."""
    web = Auth(app, client).user(who)
    (listed,) = [r for r in api.as_user(who).get("/assessments").get_json() if r["id"] == a_id]
    detail = api.as_user(who).get(f"/assessments/{a_id}").get_json()
    registration = web.get(f"/assessments/{a_id}/registration").get_data(as_text=True)
    return {
        "api detail": f"{detail['grade']} {detail['score']} {detail['rank']} {detail['flags']}",
        "api list": f"{listed['grade']} {listed['score']}",
        "web detail": web.get(f"/assessments/{a_id}").get_data(as_text=True).count("<dd>好</dd>"),
        "web my": web.get(f"/my?assessment={a_id}").get_data(as_text=True).count("好 (93.5"),
        "registration": re.search(r'class="grade">([^<]*)<', registration).group(1)
        + re.search(r'class="score">([^<]*)<', registration).group(1),
    }


def test_the_cadre_sees_no_result_before_publication(graded, app, client, api):
    _cycle, a_id = graded
    assert _views(app, client, api, "a1", a_id) == {
        "api detail": "None None None []", "api list": "None None", "web detail": 0,
        "web my": 0, "registration": "——"}


def test_staff_see_it_before_publication(graded, api):
    _cycle, a_id = graded
    detail = api.as_user("admin").get(f"/assessments/{a_id}").get_json()
    assert (detail["grade"], f"{detail['score']:.2f}", detail["rank"]) == ("好", SCORE, 1)


def test_the_cadre_sees_it_from_publication_on(world, graded, app, client, api):
    cycle, a_id = graded
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    assert db.session.scalar(select(Assessment.state).where(Assessment.id == a_id)) == "published"
    seen = _views(app, client, api, "a1", a_id)
    assert seen["api detail"].startswith("好 93.5 1 [") and seen["api list"] == "好 93.5"
    assert (seen["web detail"], seen["web my"], seen["registration"]) == (1, 1, "好93.5")

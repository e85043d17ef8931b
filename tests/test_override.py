"""Grade overrides: org_admin only, a reason, audited on the assessment's chain, and
never past the quota or over a veto."""

import pytest
from sqlalchemy import select

from tests.factories import exclude_unfinished
from tests.test_grading import _grade
from workflow_app.assessments.models import Assessment
from workflow_app.audit.verify import verify_all
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db


@pytest.fixture
def graded(world, create_cycle):
    """a1 and a2 tie at 95 (both 较好, flagged); a3 80 较好. Quota for 好: 1."""
    _grade(world, create_cycle(), {"a1": 95, "a2": 95, "a3": 80})
    return {n: db.session.scalar(select(Assessment.id).where(
        Assessment.cadre_id == world.users[n].id)) for n in ("a1", "a2", "a3")}


def test_committee_decides_the_tie_by_override(graded, api):
    admin = api.as_user("admin")
    resp = admin.post(f"/assessments/{graded['a1']}/override",
                      json={"grade": "好", "reason": "两委会决定：a1 完成重点任务更多"})
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["grade"] == "好" and "override" in body["flags"]
    assert "tie_at_quota_boundary" not in body["flags"]
    history = admin.get(f"/assessments/{graded['a1']}").get_json()["history"]
    assert history[-1]["event"] == "override"
    assert history[-1]["data"]["to_grade"] == "好"
    # The quota (1) is now used: the other tied person cannot be lifted too.
    second = admin.post(f"/assessments/{graded['a2']}/override",
                        json={"grade": "好", "reason": "同分"})
    assert second.status_code == 409 and second.get_json()["error"] == "quota_exceeded"
    assert verify_all() is None


@pytest.mark.parametrize(("who", "payload", "status", "code"), [
    ("sup_a", {"grade": "好", "reason": "x"}, 403, "forbidden"),
    ("town_admin", {"grade": "好", "reason": "x"}, 403, "forbidden"),
    ("audit", {"grade": "好", "reason": "x"}, 403, "forbidden"),
    ("admin", {"grade": "好"}, 422, "invalid"),
    ("admin", {"grade": "超好", "reason": "x"}, 422, "invalid"),
    ("admin", {"grade": "较差", "reason": "x", "version": 1}, 409, "stale_version"),
])
def test_override_refusals(graded, api, who, payload, status, code):
    resp = api.as_user(who).post(f"/assessments/{graded['a3']}/override", json=payload)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"] == code


def test_veto_cannot_be_overridden_upwards(world, create_cycle, api):
    _grade(world, create_cycle(), {"a1": 98, "a2": 70, "a3": 65},
           negatives=[("a1", "veto", None)])
    aid = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.a1.id))
    resp = api.as_user("admin").post(f"/assessments/{aid}/override",
                                     json={"grade": "一般", "reason": "情节轻微"})
    assert resp.status_code == 422 and "grade" in resp.get_json()["fields"]


def test_published_results_are_not_overridden(graded, api, world):
    admin = api.as_user("admin")
    cycle_id = admin.get(f"/assessments/{graded['a3']}").get_json()["cycle_id"]
    exclude_unfinished(db.session.get(Cycle, cycle_id), world.admin)
    assert admin.post(f"/cycles/{cycle_id}/publish").status_code == 200
    resp = admin.post(f"/assessments/{graded['a3']}/override",
                      json={"grade": "一般", "reason": "x"})
    assert resp.status_code == 409

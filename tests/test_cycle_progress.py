"""The clerk's progress console (issue 10 item 5): counts per state and per unit, who
has not submitted, late reviews per reviewer, and 催办 once per person per day — on
the page and through the API."""

import pytest
from sqlalchemy import func, select

from tests.factories import CONFIRMED, FULL_REPORT
from tests.test_grading import _approve
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification


@pytest.fixture
def auth(app, client):
    from tests.web.conftest import Auth

    return Auth(app, client)


@pytest.fixture
def running(world, create_cycle):
    """a1 approved, a2 waiting for the supervisor, a3 and b1 still drafting."""
    cycle = create_cycle()
    _approve(world, "a1", 95)
    a2 = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a2.id))
    save_report(a2, world.a2, FULL_REPORT)
    fire_event(a2, "submit", world.a2)
    db.session.commit()
    return cycle


def _urged(user):
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == "submit_urged",
        Notification.channel == "in_app"))


def test_progress_api_counts_per_state_and_unit(running, api, world):
    body = api.as_user("admin").get(f"/cycles/{running.id}/progress").get_json()
    drafting = body["by_state"]["drafting"]
    assert body["total"] == sum(body["by_state"].values())
    assert body["by_state"]["approved"] == 1 and body["by_state"]["supervisor_review"] == 1
    units = {u["name"]: u for u in body["by_unit"]}
    assert units["东街社区"]["by_state"] == {"approved": 1, "supervisor_review": 1,
                                            "drafting": 1}
    assert units["西街社区"]["by_state"]["drafting"] >= 1
    assert sum(u["by_state"].get("drafting", 0) for u in body["by_unit"]) == drafting
    assert set(units["东街社区"]) == {"unit_id", "name", "by_state"}


@pytest.mark.parametrize(("who", "method", "status"), [
    ("audit", "get", 200), ("audit", "post", 403), ("town_admin", "get", 403),
    ("town_admin", "post", 403), ("sup_a", "get", 403), ("a1", "post", 403),
])
def test_progress_and_remind_are_scoped(running, api, who, method, status):
    path = f"/cycles/{running.id}/" + ("progress" if method == "get" else "remind")
    assert getattr(api.as_user(who), method)(path).status_code == status


def test_remind_reaches_each_drafter_once_a_day(running, api, world, clock):
    admin = api.as_user("admin")
    first = admin.post(f"/cycles/{running.id}/remind").get_json()
    drafting = db.session.scalar(select(func.count()).select_from(Assessment).where(
        Assessment.cycle_id == running.id, Assessment.state == "drafting"))
    assert first == {"queued": drafting}
    assert admin.post(f"/cycles/{running.id}/remind").get_json() == {"queued": 0}
    assert _urged(world.a3) == 1 and _urged(world.a1) == 0 and _urged(world.a2) == 0
    clock.advance(days=1)
    admin = api.as_user("admin")
    assert admin.post(f"/cycles/{running.id}/remind").get_json() == {"queued": drafting}
    assert _urged(world.a3) == 2


def test_console_page_lists_drafters_and_late_reviews(running, auth, world, clock):
    clock.advance(days=10)  # a2 has waited past the supervisor's SLA
    admin = auth.user("admin")
    html = admin.get(f"/admin/cycles/{running.id}/progress").get_data(as_text=True)
    drafters = html[html.index('id="not-submitted"'):html.index('id="overdue"')]
    assert "a3" in drafters and "b1" in drafters and "a1</a>" not in drafters
    late = html[html.index('id="overdue"'):]
    assert world.sup_a.display_name in late and "a2" in late and "个工作日" in late
    url = f"/admin/cycles/{running.id}/progress/remind"
    asked = admin.post(url).get_data(as_text=True)  # 催办 messages many: asked first
    assert "尚有 3 人未提交报告。" in asked and "其中 3 人将立即收到催办提醒" in asked
    assert _urged(world.a3) == 0
    resp = admin.post(url, data=CONFIRMED, follow_redirects=True)
    assert "已向 3 人" in resp.get_data(as_text=True) and _urged(world.a3) == 1
    asked = admin.post(url).get_data(as_text=True)
    assert "其中 0 人将立即" in asked and "3 人今天已催办过，不再重复提醒。" in asked
    again = admin.post(url, data=CONFIRMED, follow_redirects=True)
    assert "已向 0 人" in again.get_data(as_text=True) and _urged(world.a3) == 1


def test_console_is_for_the_cycles_admin_only(running, auth):
    for who in ("a1", "sup_a", "town_admin"):
        assert auth.user(who).get(f"/admin/cycles/{running.id}/progress").status_code == 403
        assert auth.user(who).post(
            f"/admin/cycles/{running.id}/progress/remind").status_code == 403

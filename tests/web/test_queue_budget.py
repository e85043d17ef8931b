"""Statement budgets of the reviewer's queue page and GET /api/v1/tasks (issue 12).

Counted with a `before_cursor_execute` listener: deterministic, unlike time. A page is
a fixed number of statements whatever the number of rows it lists: the request's own
(the user, their grants, whom they stand in for, the notification badge of the layout)
and ONE for the page itself (rows, counts per state, overdue count, filter menus).
"""

import re
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from flask_babel import get_timezone
from sqlalchemy import event, select

from tests.factories import bulk_waiting_items
from tests.web.test_queue import _listed, _submit, _text
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event
from workflow_app.assessments.views import _due_time
from workflow_app.assessments.views_queue import _due_text
from workflow_app.extensions import db

QUEUE_PAGE_BUDGET = 3  # the user with grants and substitutions, the page, the badge
API_TASKS_BUDGET = 3   # token, the user with grants and substitutions, the list


@contextmanager
def counted():
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)


def _on_assessments(statements):
    return [s for s in statements if re.search(r"\bassessment\b", s)]


def _page_cost(web, path):
    with counted() as statements:
        html = _text(web.get(path))
    return html, statements


@pytest.mark.parametrize("path", ["/tasks?size=50", "/tasks?size=50&overdue=y&sort=waiting",
                                  "/tasks?state=supervisor_review&q=%E9%A2%84&cycle=1"])
def test_queue_page_is_one_statement_whatever_its_size(auth, world, create_cycle, clock, path):
    create_cycle()
    _submit(world, "a1", "a2", "a3")
    sup = auth.user("sup_a")
    _, few = _page_cost(sup, path)
    bulk_waiting_items(world, 80, clock)
    html, many = _page_cost(sup, path)
    assert len(many) == len(few) <= QUEUE_PAGE_BUDGET, many
    assert len(_on_assessments(many)) == 1, many
    if path == "/tasks?size=50":
        assert len(_listed(html)) == 50 and 'rel="next"' in html


def test_queue_page_budget_holds_for_a_committee_member(auth, world, create_cycle):
    create_cycle()
    _submit(world, "a1", "a2")
    for name in ("a1", "a2"):
        a = db.session.scalar(select(Assessment).where(
            Assessment.cadre_id == world.users[name].id))
        fire_event(a, "approve", world.sup_a, score=90)
    db.session.commit()
    member = auth.user("com_a1")
    html, statements = _page_cost(member, "/tasks?size=50")
    assert len(_listed(html)) == 2
    assert len(statements) <= QUEUE_PAGE_BUDGET, statements


def test_api_tasks_is_one_statement_whatever_its_size(api, world, create_cycle, clock):
    create_cycle()
    _submit(world, "a1", "a2", "a3")
    sup = api.as_user("sup_a")
    with counted() as few:
        assert len(sup.get("/tasks?limit=50").get_json()) == 4
    bulk_waiting_items(world, 80, clock)
    with counted() as many:
        body = sup.get("/tasks?limit=50").get_json()
    assert len(body) == 50 and body[0]["cadre_name"]
    assert len(many) == len(few) <= API_TASKS_BUDGET, many
    assert len(_on_assessments(many)) == 1, many


def test_due_dates_read_as_the_due_time_filter_writes_them(app):
    """The page formats due moments itself (once each, strftime): the same text as the
    `due_time` filter, local midnight reading as the day before included."""
    start = datetime(2026, 4, 3, 15, 0, tzinfo=UTC)  # 2026-04-03 23:00 in Beijing
    with app.test_request_context():
        tz = get_timezone()
        for hours in range(0, 80, 1):
            moment = start + timedelta(hours=hours, minutes=hours % 3 * 20)
            assert _due_text(moment, tz) == _due_time(moment), moment

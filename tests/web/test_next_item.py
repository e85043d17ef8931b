"""After a decision the reviewer moves on (issue 11, item 9): to the next item of the queue
view they came from, its filters kept, or back to that view with the result shown."""

import re
from urllib.parse import urlsplit

import pytest

from tests.web.test_queue import _aid, _submit, _text
from workflow_app.assessments.models import Assessment


@pytest.fixture
def three(world, create_cycle):
    create_cycle()
    _submit(world, "a1", "a2", "a3")


def _approve(web, a, view=""):
    page = _text(web.get(f"/assessments/{a.id}{view}"))
    action = re.search(r'action="([^"]*/events/approve[^"]*)"', page).group(1)
    return web.post(action.replace("&amp;", "&"), {"approve-version": str(a.version),
                                                   "approve-score": "90"})


def test_approve_leads_to_the_next_item_of_the_same_view(auth, world, three, fresh):
    sup = auth.user("sup_a")
    view = "?state=supervisor_review&overdue=&sort=due&q=a"
    queue = _text(sup.get("/tasks" + view))
    a1, a2, a3 = (_aid(world, n) for n in ("a1", "a2", "a3"))
    assert f'href="/assessments/{a1.id}?state=supervisor_review&amp;sort=due&amp;q=a"' in queue
    resp = _approve(sup, a1, "?state=supervisor_review&sort=due&q=a")
    target = urlsplit(resp.headers["Location"])
    assert (target.path, target.query) == (f"/assessments/{a2.id}",
                                           "state=supervisor_review&sort=due&q=a")
    page = _text(sup.get(resp.headers["Location"]))
    assert "已办理：通过（a1，" in page and "下一份待办：a2。" in page
    assert fresh(Assessment, a1.id).state == "committee_review"
    _approve(sup, fresh(Assessment, a2.id), "?state=supervisor_review&sort=due&q=a")
    last = _approve(sup, fresh(Assessment, a3.id), "?state=supervisor_review&sort=due&q=a")
    assert last.headers["Location"] == "/tasks?state=supervisor_review&sort=due&q=a"
    back = _text(sup.get(last.headers["Location"]))
    assert "已办理：通过（a3，" in back and "此列表中已没有待您办理的事项。" in back
    assert 'name="q" type="search" value="a"' in back  # the filter is still set


@pytest.mark.parametrize(("view", "expected_next"), [
    ("?q=A3", None),  # only a3 matches (any case): nothing else in this view
    ("?q=a", "a2"),
    ("", "a2"),  # no view: the whole queue, the reviewer's own draft not counted
])
def test_the_view_decides_what_comes_next(auth, world, three, view, expected_next):
    sup = auth.user("sup_a")
    target = "a3" if view == "?q=A3" else "a1"
    resp = _approve(sup, _aid(world, target), view)
    location = resp.headers["Location"]
    if expected_next is None:
        assert location == "/tasks" + view
    else:
        assert location == f"/assessments/{_aid(world, expected_next).id}{view}"


def test_a_search_narrows_the_queue(auth, world, three):
    html = _text(auth.user("sup_a").get("/tasks?q=A2"))
    listed = {int(i) for i in re.findall(r'name="items" value="(\d+):\d+"', html)}
    assert listed == {_aid(world, "a2").id}


def test_a_refused_decision_stays_on_the_item(auth, world, three, fresh):
    sup = auth.user("sup_a")
    a1 = _aid(world, "a1")
    resp = sup.post(f"/assessments/{a1.id}/events/approve?state=supervisor_review",
                    {"approve-version": str(a1.version), "approve-score": "120"})
    assert resp.status_code == 422 and "数值超出允许范围。" in _text(resp)
    assert fresh(Assessment, a1.id).state == "supervisor_review"

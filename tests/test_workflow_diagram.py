"""The workflow viewer: each definition drawn as inline SVG from Workflow.edges(), the
data the engine runs; nothing external; only admins and auditors see it."""

import re

import pytest

from tests.web.conftest import Auth
from workflow_app.cycles.diagram import columns, positions, svg
from workflows import get_workflow
from workflows.registry import all_workflows


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.mark.parametrize("workflow", all_workflows(), ids=lambda w: f"{w.key}-v{w.version}")
def test_every_state_and_every_move_is_drawn(app, workflow):
    with app.test_request_context():
        drawing = svg(workflow)
    for state in workflow.states:
        assert f'id="state-{state}"' in drawing
    pairs = {(s, d) for s, _e, d, _g in workflow.edges()}
    assert drawing.count('<g class="edge') == len(pairs)
    assert "<script" not in drawing and not re.search(r'(href|src)="https?:', drawing)


def test_layout_follows_the_workflow():
    quarterly = get_workflow("quarterly")
    col = columns(quarterly)
    assert col["drafting"] == 0 and col["supervisor_review"] == 1
    assert col["secretary_approval"] == 3 and col["approved"] == 4  # after the committee
    pos = positions(quarterly)
    assert len(set(pos.values())) == len(quarterly.states)  # no two boxes on one spot


def test_the_page_shows_each_workflow_with_its_transitions(auth, world):
    page = auth.user("admin").get("/admin/workflows").get_data(as_text=True)
    for wf in all_workflows():
        assert f'id="workflow-{wf.key}-v{wf.version}"' in page
    assert page.count("<svg") == len(all_workflows())
    assert "上级审核" in page and "window_open" in page


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("town_admin", 200),
                                             ("audit", 200), ("a1", 403), ("sup_a", 403)])
def test_who_sees_the_workflows(auth, world, who, status):
    assert auth.user(who).get("/admin/workflows").status_code == status

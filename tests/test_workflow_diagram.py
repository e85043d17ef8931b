"""The workflow viewer: each definition drawn as inline SVG from its transitions, the data
the engine runs; top to bottom, labelled in Chinese, labels apart, as wide as its box;
nothing external; only admins and auditors see it."""

import re
from itertools import combinations

import pytest

from tests.web.conftest import Auth
from workflow_app.cycles.diagram import diagram_layout, svg, transition_rows
from workflow_app.cycles.diagram_labels import Box, text_width
from workflow_app.cycles.diagram_layout import ranks, wrap
from workflows import get_workflow
from workflows.registry import all_workflows

WORKFLOWS = sorted(all_workflows(), key=lambda w: (w.key, w.version))
IDS = [f"{w.key}-v{w.version}" for w in WORKFLOWS]
# The drawing is scaled down to its box, never up beyond 40rem (kaohe.css): wider than
# this and a desk screen's 894 px box would have to shrink the text below its size.
MAX_WIDTH = 640


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture(scope="module")
def bare_app():
    """Drawing needs the translations, not a database: one app for the module."""
    from config import TestConfig
    from workflow_app import create_app

    class Bare(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    return create_app(Bare)


@pytest.fixture
def ctx(bare_app):
    with bare_app.test_request_context():
        yield


def _pairs(workflow):
    return {(t.source, t.dest) for t in workflow.transitions}


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=IDS)
def test_every_state_and_every_move_is_drawn(ctx, workflow):
    drawing = svg(workflow)
    for state in workflow.states:
        assert f'data-state="{state}"' in drawing
    assert drawing.count('<g class="edge') == len(_pairs(workflow))
    assert "<script" not in drawing and " style=" not in drawing
    assert not re.search(r'(href|src)="https?:', drawing)


def test_states_run_top_to_bottom(ctx):
    drawn = diagram_layout(get_workflow("quarterly"))
    chain = ["drafting", "supervisor_review", "committee_review", "secretary_approval",
             "approved", "published", "final", "appealed"]
    tops = [drawn.nodes[s].y for s in chain]
    assert tops == sorted(tops) and len(set(tops)) == len(tops)
    middle = {drawn.nodes[s].x for s in chain}
    assert len(middle) == 1  # the main line is one column
    # Beside it: 不参加本次考核 to the left, 异议处理中 (which sends back) to the right.
    assert drawn.nodes["excluded"].x < drawn.nodes["drafting"].x < drawn.nodes["disputed"].x


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=IDS)
def test_every_step_forward_points_down(ctx, workflow):
    drawn, order = diagram_layout(workflow), list(workflow.states)
    for s, d in _pairs(workflow):
        if order.index(d) > order.index(s):
            assert drawn.nodes[d].y > drawn.nodes[s].y, (s, d)


def test_ways_back_and_loops_run_beside_the_boxes(ctx):
    drawn = diagram_layout(get_workflow("quarterly", 3))
    spine = drawn.nodes["committee_review"]
    [loop] = [a for a in drawn.arrows if a.kind == "loop"]
    assert loop.event == "弃权" and max(x for x, _ in loop.points) > spine.right
    uphold = next(a for a in drawn.arrows if a.source == "disputed"
                  and a.dest == "committee_review")
    assert uphold.kind == "back" and "stroke-dasharray" in svg(get_workflow("quarterly", 3))
    assert min(x for x, _ in uphold.points) >= spine.right - 1  # never across a box
    assert max(x for x, _ in uphold.points) > drawn.nodes["disputed"].right


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=IDS)
def test_no_label_overlaps_another_or_a_box(ctx, workflow):
    drawn = diagram_layout(workflow)
    labels = [lb.box for lb in drawn.labels]
    assert len(labels) >= len({a.group for a in drawn.arrows})
    for a, b in combinations(labels, 2):
        assert not a.intersects(b), (a, b)
    for label in labels:
        for state, box in drawn.nodes.items():
            assert not label.intersects(box), (label, state)


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=IDS)
def test_the_drawing_fits_its_view_box(ctx, workflow):
    drawn = diagram_layout(workflow)
    assert drawn.width <= MAX_WIDTH
    whole = Box(0, 0, drawn.width, drawn.height)
    inside = [*drawn.nodes.values(), *(lb.box for lb in drawn.labels)]
    for box in inside:
        assert whole.x <= box.x and box.right <= whole.right, box
        assert whole.y <= box.y and box.bottom <= whole.bottom, box
    for arrow in drawn.arrows:
        assert all(0 <= x <= drawn.width and 0 <= y <= drawn.height for x, y in arrow.points)
    head = svg(workflow).split(">", 1)[0]
    assert f'viewBox="0 0 {drawn.width} {drawn.height}"' in head and 'width="100%"' in head
    assert "height=" not in head  # the height follows the width


def test_states_events_and_conditions_are_in_chinese(ctx):
    drawing = svg(get_workflow("quarterly", 3))
    for text in ("填写中", "上级审核", "两委会审议", "不参加本次考核", "提交", "退回", "弃权",
                 "异议成立", "报告已填写完整且在填报期内", "未设两委会审议环节", "在公示期内"):
        assert text in drawing, text
    for code in ("window_open", "report_complete", "committee_stage", "not ", "Submit"):
        assert code not in drawing, code
    rows = transition_rows(get_workflow("quarterly", 3))
    assert {str(r["guard"]) for r in rows} >= {"报告已填写完整且在填报期内", "公示期已满", ""}


def test_in_english_the_labels_follow(bare_app):
    from flask_babel import force_locale

    with bare_app.test_request_context(), force_locale("en"):
        drawing = svg(get_workflow("quarterly", 3))
    assert "Submit" in drawing and "within the submission window" in drawing
    assert "the cycle has no committee stage" in drawing


@pytest.mark.parametrize(("text", "lines"), [
    ("填写中", ["填写中"]),
    ("不参加本次考核（不定等次）", ["不参加本次考核", "（不定等次）"]),
    ("Not taking part this time (no grade)", ["Not taking", "part this time", "(no grade)"]),
])
def test_long_state_names_wrap_inside_their_box(text, lines):
    assert wrap(text, 112) == lines
    assert all(text_width(line, 13) <= 112 for line in lines)


def test_rows_follow_the_longest_path():
    quarterly = get_workflow("quarterly")
    row = ranks(quarterly, _pairs(quarterly))
    assert row["drafting"] == 0 and row["supervisor_review"] == 1
    assert row["secretary_approval"] == 3 and row["approved"] == 4  # after the committee


def test_drawings_on_one_page_share_one_scale(ctx):
    quarterly, community = get_workflow("quarterly", 3), get_workflow("community_quarterly", 1)
    wide, narrow = diagram_layout(quarterly), diagram_layout(community)
    assert narrow.width < wide.width
    head = svg(community, narrow, wide.width).split(">", 1)[0]
    margin = (wide.width - narrow.width) / 2  # centred on the wider canvas
    assert f'viewBox="{-margin:g} 0 {wide.width} {narrow.height}"' in head


def test_the_page_shows_each_workflow_with_its_transitions(auth, world):
    page = auth.user("admin").get("/admin/workflows").get_data(as_text=True)
    for wf in all_workflows():
        assert f'id="workflow-{wf.key}-v{wf.version}"' in page
    assert page.count("<svg") == len(all_workflows())
    assert "上级审核" in page and "在填报期内" in page and "window_open" not in page
    # Every drawing's arrowhead and title have ids of their own on the one page.
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize(("who", "status"), [("admin", 200), ("town_admin", 200),
                                             ("audit", 200), ("a1", 403), ("sup_a", 403)])
def test_who_sees_the_workflows(auth, world, who, status):
    assert auth.user(who).get("/admin/workflows").status_code == status

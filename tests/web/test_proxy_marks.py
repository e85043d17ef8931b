"""Items handled as a substitute carry a 代办 mark naming whom for (issue 11, item 11):
in the queue row and in the item's history; the substitute's own items do not."""

from tests.test_substitutes import away, submit
from tests.web.test_queue import _text
from workflow_app.assessments.services import fire_event
from workflow_app.extensions import db

MARK = '<span class="badge-proxy">代办</span> <span class="proxy-for">（代 sup_a 办理）</span>'


def _row(html, cadre):
    return next(row for row in html.split("<tr>")[1:] if f">{cadre}" in row)


def test_queue_marks_the_items_of_the_person_stood_in_for(auth, world, clock, create_cycle):
    create_cycle()
    away(world, clock)  # sup_a is away, sup_b stands in
    submit(world, "a1")
    submit(world, "b1")
    html = _text(auth.user("sup_b").get("/tasks"))
    assert MARK in _row(html, "a1")
    assert "badge-proxy" not in _row(html, "b1")  # sup_b's own cadre
    assert "badge-proxy" not in _text(auth.user("sup_a").get("/tasks"))


def test_history_marks_the_decision_taken_as_substitute(auth, world, clock, create_cycle):
    create_cycle()
    away(world, clock)
    a = submit(world, "a1")
    fire_event(a, "approve", world.sup_b, score="88")
    db.session.commit()
    page = _text(auth.user("sup_b").get(f"/assessments/{a.id}"))
    history = page[page.index('class="timeline"'):]
    assert MARK in history and history.count("badge-proxy") == 1  # the submit is unmarked

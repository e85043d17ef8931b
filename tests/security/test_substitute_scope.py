"""Who may stand in (issue 9, item 16): the picker lists only reviewers in reach who are
not assessed where the absent person reviews; a posted id is held to the same rule."""

import pytest
from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.people.models import Substitution

EVERYONE = ("admin", "audit", "sup_a", "sup_b", "com_a1", "com_a2", "sec_a", "com_b", "sec_b",
            "a1", "a2", "a3", "b1", "town_admin")
PERIOD = {"starts_at": "2026-04-02T08:00", "ends_at": "2026-04-09T18:00", "reason": "出差"}


def listed(page):
    return {name for name in EVERYONE if f"({name}, " in page}


@pytest.mark.parametrize(("who", "cycle_open", "expected"), [
    ("a1", True, set()),       # a cadre reviews nothing: no picker, nobody's name
    ("audit", True, set()),
    ("sup_a", False, {"sup_b", "com_a1", "com_a2", "sec_a", "com_b", "sec_b"}),
    ("sup_b", False, {"sup_a", "com_a1", "com_a2", "sec_a", "com_b", "sec_b"}),
    # sup_a is assessed in the open cycle in which sup_b reviews b1: conflicted.
    ("sup_b", True, {"com_a1", "com_a2", "sec_a", "com_b", "sec_b"}),
])
def test_the_picker_lists_eligible_reviewers_only(auth, world, create_cycle, who, cycle_open,
                                                  expected):
    if cycle_open:
        create_cycle()
    page = auth.user(who).get("/substitutes").get_data(as_text=True)
    assert listed(page) == expected
    if not expected:
        assert 'name="substitute"' not in page


@pytest.mark.parametrize(("who", "substitute", "status", "message"), [
    ("sup_b", "sup_a", 422, "不能代理"),    # assessed in a cycle sup_b reviews
    ("sup_a", "a1", 422, "才能代理"),       # a cadre, assessed by sup_a: not a reviewer
    ("com_b", "admin", 403, None),          # outside com_b's part of the tree
    ("a1", "sup_b", 403, None),             # a cadre has no review work to hand over
    ("audit", "sup_b", 403, None),
])
def test_appointments_by_id_are_held_to_the_same_rule(auth, world, create_cycle, who,
                                                      substitute, status, message):
    create_cycle()
    web = auth.user(who)
    web.get("/substitutes")
    resp = web.post("/substitutes", {"substitute": str(world.users[substitute].id), **PERIOD})
    assert resp.status_code == status
    if message:
        page = resp.get_data(as_text=True)
        assert message in page and "出差" in page  # the typed reason is kept
    assert db.session.scalars(select(Substitution)).all() == []


def test_an_admin_cannot_appoint_a_conflicted_substitute(auth, world, create_cycle):
    create_cycle()
    resp = auth.user("admin").post("/admin/substitutes", {
        "absent_user": str(world.sup_b.id), "substitute": str(world.sup_a.id), **PERIOD})
    assert resp.status_code == 422 and "不能代理" in resp.get_data(as_text=True)
    assert db.session.scalars(select(Substitution)).all() == []

"""CSRF, checked on a sample of the matrix's web POSTs (the matrix itself runs without it).

Each sample is sent by an actor the table allows, inside scope: without a token it is
refused with 400 and changes nothing; with the token of a page the actor saw, the same
request gets through the CSRF check. The JSON API takes bearer tokens, no cookies, so it
has no CSRF token to check.
"""

import pytest
from flask import url_for

from tests.security.authz_table import ROWS
from tests.security.test_authz_matrix import World, _send
from tests.web.conftest import csrf_from

SAMPLE = [  # (row id, actor)
    ("assessments.fire:POST:approve_sup", "supervisor"),
    ("assessments.save_my:POST", "cadre"),
    ("assessments.batch:POST", "supervisor"),
    ("grading.publish:POST", "sub_admin"),
    ("teams.delete:POST", "top_admin"),
    ("disputes.resolve:POST", "top_admin"),
    ("notifications.read_all:POST", "auditor"),
    ("auth.logout:POST", "cadre"),
    ("people_admin.add_unit:POST", "top_admin"),
]
BY_ID = {r.id: r for r in ROWS}


@pytest.fixture
def csrf_on(seeded):
    seeded.reset()
    seeded.app.config["WTF_CSRF_ENABLED"] = True
    yield seeded
    seeded.app.config["WTF_CSRF_ENABLED"] = False
    seeded.dirty = True


def _state(world):
    return world.state_of("$p1.supervisor_review")


@pytest.mark.parametrize(("row_id", "role"), SAMPLE, ids=[s[0] for s in SAMPLE])
def test_a_post_without_the_token_is_refused_and_changes_nothing(csrf_on, row_id, role):
    r, world = BY_ID[row_id], World(csrf_on, "inside")
    before = _state(world)
    resp = _send(csrf_on, r, role, world)
    assert resp.status_code == 400, resp.status_code
    assert _state(world) == before
    assert csrf_on.client(role).get("/notifications").status_code == 200  # still logged in


@pytest.mark.parametrize(("row_id", "role"), SAMPLE, ids=[s[0] for s in SAMPLE])
def test_the_same_post_with_the_pages_token_passes_the_check(csrf_on, row_id, role):
    r, world = BY_ID[row_id], World(csrf_on, "inside")
    client = csrf_on.client(role)
    token = csrf_from(client.get("/notifications").get_data(as_text=True))
    data = {k: str(v) for k, v in world.ref(r.data or {}).items()}
    with csrf_on.app.test_request_context():
        url = url_for(r.endpoint, **world.ref(r.params))
    resp = client.post(url, data={**data, "csrf_token": token})
    assert resp.status_code != 400 and resp.status_code < 500, resp.get_data(as_text=True)[:300]

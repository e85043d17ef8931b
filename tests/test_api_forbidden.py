"""Every forbidden case gets its precise status: 401, 403, 404, 409 or 422 — never 500."""

import pytest

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db


def _assessment_of(username, world):
    user = world.users[username]
    return db.session.scalar(db.select(Assessment).where(Assessment.cadre_id == user.id))


@pytest.fixture
def submitted(world, create_cycle, api):
    """a1's assessment waiting for sup_a (supervisor_review)."""
    create_cycle()
    a = _assessment_of("a1", world)
    a1 = api.as_user("a1")
    a1.put(f"/assessments/{a.id}/report", json={"content": FULL_REPORT})
    assert a1.fire(a.id, "submit").status_code == 200
    return a.id


NO_LOGIN = [("get", "/me"), ("get", "/tasks"), ("get", "/assessments"),
            ("get", "/assessments/1"), ("post", "/assessments/1/events/approve"),
            ("put", "/assessments/1/report"), ("post", "/cycles"), ("post", "/cycles/1/grade")]


@pytest.mark.parametrize(("method", "path"), NO_LOGIN)
def test_no_login_is_401_json(client, method, path):
    resp = getattr(client, method)("/api/v1" + path, json={})
    assert resp.status_code == 401
    assert resp.get_json()["error"] == "not_authenticated"


def test_bad_token_is_401(client, world):
    resp = client.get("/api/v1/me", headers={"Authorization": "Bearer not-a-token"})
    assert resp.status_code == 401


FORBIDDEN_EVENTS = [
    # who, event, payload, status, error code — a1's report is in supervisor_review
    ("a2", "approve", {}, 403, "forbidden"),            # a colleague, not the supervisor
    ("a1", "approve", {}, 403, "forbidden"),            # nobody approves their own
    ("sec_a", "approve", {}, 403, "forbidden"),         # right unit, wrong stage
    ("com_a1", "send_back", {"comment": "x"}, 403, "forbidden"),
    ("sup_b", "approve", {}, 403, "forbidden"),         # a supervisor of another unit
    ("com_b", "approve", {}, 403, "forbidden"),         # committee of another community
    ("town_admin", "uphold", {}, 403, "forbidden"),     # admin of another subtree
    ("audit", "approve", {}, 403, "forbidden"),         # auditors read, never act
    ("sup_a", "submit", {}, 409, "wrong_state"),        # not in this state, whoever asks
    ("sup_a", "publish", {}, 409, "wrong_state"),       # not possible in this state
    ("a1", "submit", {}, 409, "wrong_state"),           # already submitted
    ("sup_a", "approve", {"version": 1}, 409, "stale_version"),
    ("sup_a", "approve", {"score": 150}, 422, "invalid"),
    ("sup_a", "approve", {"score": "abc"}, 422, "invalid"),
    ("sup_a", "approve", {"score": True}, 422, "invalid"),
    ("sup_a", "send_back", {}, 422, "invalid"),         # comment required
    ("sup_a", "send_back", {"comment": "   "}, 422, "invalid"),
    ("sup_a", "approve", {"version": "two"}, 422, "invalid"),
    ("sup_a", "fly_away", {}, 404, "unknown_event"),
]


@pytest.mark.parametrize(("who", "event", "payload", "status", "code"), FORBIDDEN_EVENTS)
def test_forbidden_events(submitted, api, who, event, payload, status, code):
    resp = api.as_user(who).fire(submitted, event, **payload)
    assert resp.status_code == status, resp.get_json()
    body = resp.get_json()
    assert body["error"] == code and body["message"]
    state = api.as_user("admin").get(f"/assessments/{submitted}").get_json()["state"]
    assert state == "supervisor_review"  # nothing changed


@pytest.mark.parametrize(("who", "status"), [
    ("a1", 200), ("sup_a", 200), ("com_a1", 200), ("sec_a", 200), ("admin", 200),
    ("audit", 200), ("a2", 403), ("b1", 403), ("sup_b", 403), ("com_b", 403),
    ("sec_b", 403), ("town_admin", 403),
])
def test_who_may_read_an_assessment(submitted, api, who, status):
    assert api.as_user(who).get(f"/assessments/{submitted}").status_code == status


def test_lists_show_only_what_the_caller_may_see(submitted, api, world):
    seen = {r["cadre_name"] for r in api.as_user("com_b").get("/assessments").get_json()}
    assert seen == {"b1"}
    assert api.as_user("a2").get("/assessments").get_json()[0]["cadre_name"] == "a2"
    tasks = api.as_user("sup_a").get("/tasks").get_json()
    # sup_a reviews a1's report and is also a cadre with a draft of his own.
    assert {(t["cadre_name"], t["state"]) for t in tasks} == {
        ("a1", "supervisor_review"), ("sup_a", "drafting")}
    assert api.as_user("sup_b").get("/tasks").get_json() == []


def test_unknown_assessment_is_404(world, api):
    resp = api.as_user("admin").get("/assessments/99999")
    assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"


BAD_PAYLOADS = [
    ("put", "/assessments/{id}/report", "not json", 422),
    ("put", "/assessments/{id}/report", {"content": "text"}, 422),
    ("put", "/assessments/{id}/report", {"content": {"key_work": 5}}, 422),
    ("put", "/assessments/{id}/report", {"content": {"self_scores": {"de": 101}}}, 422),
    ("put", "/assessments/{id}/report", {}, 422),
]


@pytest.mark.parametrize(("method", "path", "payload", "status"), BAD_PAYLOADS)
def test_bad_report_payloads(world, create_cycle, api, method, path, payload, status):
    create_cycle()
    aid = _assessment_of("a1", world).id
    a1 = api.as_user("a1")
    url = "/api/v1" + path.format(id=aid)
    kwargs = {"data": payload} if isinstance(payload, str) else {"json": payload}
    resp = getattr(a1.client, method)(url, headers=a1._headers(), **kwargs)
    assert resp.status_code == status
    assert resp.get_json()["error"] in ("invalid", "invalid_json")


def test_incomplete_report_names_missing_fields(world, create_cycle, api):
    create_cycle()
    aid = _assessment_of("a1", world).id
    a1 = api.as_user("a1")
    a1.put(f"/assessments/{aid}/report", json={"content": {"key_work": "入户走访"}})
    resp = a1.fire(aid, "submit")
    assert resp.status_code == 422
    fields = resp.get_json()["fields"]
    assert "most_satisfied" in fields and "self_scores.de" in fields
    assert "key_work" not in fields


def test_only_the_cadre_submits(world, create_cycle, api):
    create_cycle()
    aid = _assessment_of("a1", world).id
    api.as_user("a1").put(f"/assessments/{aid}/report", json={"content": FULL_REPORT})
    for who in ("sup_a", "admin", "a2"):
        assert api.as_user(who).fire(aid, "submit").status_code == 403


def test_only_the_cadre_saves_the_report(world, create_cycle, api):
    create_cycle()
    aid = _assessment_of("a1", world).id
    resp = api.as_user("sup_a").put(f"/assessments/{aid}/report", json={"content": {}})
    assert resp.status_code == 403


def test_submit_outside_the_window_is_409(world, create_cycle, api, clock):
    cycle = create_cycle(open_now=False)
    cycle.status = "open"  # opened early by hand: the window guard still holds
    from datetime import timedelta
    cycle.opens_at = clock.now + timedelta(days=2)
    db.session.commit()
    from workflow_app.cycles.services import open_cycle
    open_cycle(cycle, world.admin)
    db.session.commit()
    aid = _assessment_of("a1", world).id
    a1 = api.as_user("a1")
    a1.put(f"/assessments/{aid}/report", json={"content": FULL_REPORT})
    resp = a1.fire(aid, "submit")
    assert resp.status_code == 409 and resp.get_json()["error"] == "window_open"


@pytest.mark.parametrize(("who", "path", "status"), [
    ("town_admin", "/cycles/{id}/grade", 403), ("town_admin", "/cycles/{id}/publish", 403),
    ("town_admin", "/cycles/{id}/open", 403), ("sup_a", "/cycles/{id}/grade", 403),
    ("a1", "/cycles/{id}/results", 403), ("admin", "/cycles/99999/grade", 404),
    ("admin", "/cycles/{id}/publish", 409),  # nothing graded yet
])
def test_cycle_actions_need_admin_over_every_unit(world, create_cycle, api, who, path, status):
    cycle = create_cycle()
    resp = api.as_user(who).post(path.format(id=cycle.id)) if "results" not in path else \
        api.as_user(who).get(path.format(id=cycle.id))
    assert resp.status_code == status, resp.get_json()


CYCLE_ERRORS = [
    ({"kind": "weekly"}, "kind"), ({"quarter": 5}, "quarter"), ({"year": "x"}, "year"),
    ({"opens_at": "tomorrow"}, "opens_at"), ({"workflow": "nope"}, "workflow"),
    ({"submit_deadline": "2020-01-01T00:00:00"}, "submit_deadline"),
    ({"publicity_days": -1}, "publicity_days"), ({"name": ""}, "name"),
    ({"committee_stage": "yes"}, "committee_stage"), ({"org_unit_ids": [424242]}, "org_unit_ids"),
]


@pytest.mark.parametrize(("override", "field"), CYCLE_ERRORS)
def test_cycle_validation_names_the_field(world, api, clock, override, field):
    from tests.factories import cycle_data

    data = cycle_data(world, clock, **{"org_unit_ids": [world.units["town"].id], **override})
    resp = api.as_user("admin").post("/cycles", json=data)
    assert resp.status_code == 422
    assert field in resp.get_json()["fields"]


@pytest.mark.parametrize(("payload", "field"), [
    ({"username": "a1", "password": "password123", "display_name": "x"}, "username"),
    ({"username": "new", "password": "short", "display_name": "x"}, "password"),
    ({"username": "new", "password": "password123", "display_name": "x",
      "roles": ["king"]}, "roles"),
    ({"username": "new", "password": "password123"}, "display_name"),
])
def test_user_validation(world, api, payload, field):
    payload = {"org_unit_id": world.units["a"].id, **payload}
    resp = api.as_user("admin").post("/users", json=payload)
    assert resp.status_code == 422 and field in resp.get_json()["fields"]


def test_admin_of_a_subtree_cannot_create_people_elsewhere(world, api):
    resp = api.as_user("town_admin").post("/users", json={
        "username": "intruder", "password": "password123", "display_name": "x",
        "org_unit_id": world.units["a"].id, "roles": ["org_admin"]})
    assert resp.status_code == 403


def test_login_rate_limit(world, client):
    for _ in range(5):
        resp = client.post("/api/v1/tokens", json={"username": "a1", "password": "wrong"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/tokens", json={"username": "a1", "password": "password123"})
    assert resp.status_code == 429 and resp.get_json()["error"] == "too_many_attempts"

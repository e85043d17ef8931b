"""The API's self-description and its answers to unknown URLs."""

import re


def test_openapi_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    described = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint != "api.openapi":
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1"):])
            path = path.replace("{assessment_id}", "{id}").replace("{cycle_id}", "{id}")
            routed |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == described
    assert spec["paths"]["/tokens"]["post"]["security"] == []


def test_unknown_api_url_answers_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "not_found"


def test_wrong_method_answers_json(world, api):
    resp = api.as_user("admin").client.delete("/api/v1/tasks")
    assert resp.status_code == 405 and resp.get_json()["error"]


def test_world_and_cycle_open(world, create_cycle, api):
    cycle = create_cycle()
    admin = api.as_user("admin")
    rows = admin.get(f"/assessments?cycle_id={cycle.id}").get_json()
    assert sorted(r["cadre_name"] for r in rows) == ["a1", "a2", "a3", "b1", "sup_a"]
    assert {r["state"] for r in rows} == {"drafting"}

"""One assessment through every state of DESIGN.md §3, using only the JSON API."""

from datetime import timedelta

from tests.factories import FULL_REPORT, PASSWORD


def _bootstrap_org(runner, api):
    """From an empty database: an admin by CLI, then the org and people by API."""
    result = runner.invoke(args=["create-admin", "--username", "root", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    root = api.as_user("root")
    me = root.get("/me").get_json()
    assert me["roles"] == ["org_admin"]
    town = root.post("/org-units", json={"name": "城关镇", "parent_id": me["org_unit_id"],
                                         "category": "乡镇"}).get_json()
    unit = root.post("/org-units", json={"name": "东街社区", "parent_id": town["id"],
                                         "category": "社区"}).get_json()
    return root, town, unit


def _add_people(root, unit):
    def user(name, roles, supervisor=None):
        resp = root.post("/users", json={
            "username": name, "password": PASSWORD, "display_name": name, "roles": roles,
            "org_unit_id": unit["id"], "supervisor_id": supervisor, "email": f"{name}@x.test",
            "phone": "13800000000"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()
    boss = user("boss", ["supervisor"])
    user("panel", ["committee"])
    user("secretary", ["secretary"])
    user("zhang", ["cadre"], boss["id"])
    # Five cadres in the unit: the 好 quota is floor(40 % of 5) = 2.
    for name in ("li", "wang", "zhao", "sun"):
        user(name, ["cadre"], boss["id"])



def _step(client, aid, event, expect_state, **payload):
    resp = client.fire(aid, event, **payload)
    assert resp.status_code == 200, (event, resp.get_json())
    body = resp.get_json()
    assert body["state"] == expect_state, (event, body["state"])
    return body


def _review_chain(api, aid, score):
    _step(api.as_user("boss"), aid, "approve", "committee_review", score=score - 1)
    _step(api.as_user("panel"), aid, "approve", "secretary_approval", score=score)
    _step(api.as_user("secretary"), aid, "approve", "approved")


def _finish_colleagues(api, names=("li", "wang", "zhao", "sun"), score=70):
    """Publishing waits for the whole unit: the colleagues go through with lower scores."""
    for name in names:
        who = api.as_user(name)
        aid = who.get("/tasks").get_json()[0]["id"]
        who.put(f"/assessments/{aid}/report", json={"content": FULL_REPORT})
        _step(who, aid, "submit", "supervisor_review")
        _review_chain(api, aid, score)


def _grade_and_publish(root, cycle_id, aid, expect_grade):
    assert root.post(f"/cycles/{cycle_id}/grade").status_code == 200
    results = root.get(f"/cycles/{cycle_id}/results").get_json()
    assert [r["grade"] for r in results if r["assessment_id"] == aid] == [expect_grade]
    resp = root.post(f"/cycles/{cycle_id}/publish")
    assert resp.status_code == 200, resp.get_json()


def test_every_state_through_the_api(runner, api, clock):
    root, town, unit = _bootstrap_org(runner, api)
    _add_people(root, unit)
    cycle = root.post("/cycles", json={
        "name": "2026年第一季度", "kind": "quarterly", "year": 2026, "quarter": 1,
        "workflow": "quarterly", "org_unit_ids": [town["id"]],
        "opens_at": (clock.now - timedelta(hours=1)).isoformat(),
        "submit_deadline": (clock.now + timedelta(days=10)).isoformat(),
        "committee_stage": True, "publicity_days": 5, "appeal_days": 10}).get_json()
    opened = root.post(f"/cycles/{cycle['id']}/open").get_json()
    assert opened["created"] == 5
    assert root.post(f"/cycles/{cycle['id']}/open").get_json()["created"] == 0

    zhang, colleague = api.as_user("zhang"), api.as_user("li")
    aid = zhang.get("/tasks").get_json()[0]["id"]
    assert zhang.put(f"/assessments/{aid}/report", json={"content": FULL_REPORT}).status_code == 200
    _step(zhang, aid, "submit", "supervisor_review")
    _step(api.as_user("boss"), aid, "send_back", "drafting", comment="请补充指标完成情况")
    detail = zhang.get(f"/assessments/{aid}").get_json()
    assert detail["report"]["revision"] == 2
    assert detail["report"]["content"]["key_work"] == FULL_REPORT["key_work"]
    _step(zhang, aid, "submit", "supervisor_review")
    _review_chain(api, aid, 93)
    refused = root.post(f"/cycles/{cycle['id']}/publish")
    assert refused.status_code == 409 and refused.get_json()["counts"] == {"drafting": 4}
    _finish_colleagues(api)
    _grade_and_publish(root, cycle["id"], aid, "好")

    _step(colleague, aid, "dispute", "disputed", reason="分数偏高")
    _step(root, aid, "dismiss", "published", reason="经核实评分无误")
    _step(zhang, aid, "dispute", "disputed", reason="漏记了一项重点工作")
    _step(root, aid, "uphold", "committee_review", comment="重新审议")
    _step(api.as_user("panel"), aid, "approve", "secretary_approval", score=95)
    _step(api.as_user("secretary"), aid, "approve", "approved")
    _grade_and_publish(root, cycle["id"], aid, "好")

    clock.advance(days=14)  # tokens last 12 hours: log in again after the 公示
    root, zhang = api.as_user("root"), api.as_user("zhang")
    _step(root, aid, "finalize", "final")
    _step(zhang, aid, "appeal", "appealed", reason="申请复核")
    _step(root, aid, "grant", "committee_review")
    _step(api.as_user("panel"), aid, "approve", "secretary_approval", score=88)
    _step(api.as_user("secretary"), aid, "approve", "approved")
    _grade_and_publish(root, cycle["id"], aid, "较好")
    clock.advance(days=14)
    root, zhang = api.as_user("root"), api.as_user("zhang")
    _step(root, aid, "finalize", "final")
    _step(zhang, aid, "appeal", "appealed", reason="仍有异议")
    final = _step(root, aid, "deny", "final", reason="复核维持原结果")

    visited = {h["to"] for h in final["history"]}
    assert visited >= {"drafting", "supervisor_review", "committee_review", "secretary_approval",
                       "approved", "published", "disputed", "final", "appealed"}
    assert [h["seq"] for h in final["history"]] == list(range(1, len(final["history"]) + 1))
    assert final["version"] == len(final["history"])
    result = runner.invoke(args=["verify-audit"])
    assert result.exit_code == 0 and "intact" in result.output


def test_cycle_without_committee_stage_skips_it(world, create_cycle, api):
    cycle = create_cycle(committee_stage=False)
    a1 = api.as_user("a1")
    aid = next(t["id"] for t in a1.get("/tasks").get_json())
    a1.put(f"/assessments/{aid}/report", json={"content": FULL_REPORT})
    _step(a1, aid, "submit", "supervisor_review")
    _step(api.as_user("sup_a"), aid, "approve", "secretary_approval", score=91)
    _step(api.as_user("sec_a"), aid, "approve", "approved")
    assert api.as_user("admin").post(f"/cycles/{cycle.id}/grade").status_code == 200

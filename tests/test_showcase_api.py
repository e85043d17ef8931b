"""业绩晾晒 through the JSON API: reading a unit's 星级榜, recording stars and 减星; who is
refused (403 before the body is read), what is invalid (422 naming the field)."""

import pytest

PERIOD = "2026-04"


def _board(world, unit="a"):
    return f"/org-units/{world.units[unit].id}/showcase/{PERIOD}"


def _stars(world, whom="a1", **extra):
    return {"subject_type": "person", "subject_id": world.users[whom].id,
            "dimension": "tasks", "stars": 4, "note": "完成一季度目标", **extra}


def _deduction(world, whom="a1", **extra):
    return {"subject_type": "person", "subject_id": world.users[whom].id,
            "dimension": "tasks", "stars": 1, "kind": "criticism",
            "reason": "信息报送迟报被通报批评", **extra}


def test_record_and_read_the_board(world, api):
    sec = api.as_user("sec_a")
    resp = sec.put(_board(world) + "/stars", json=_stars(world, on="2026-04-02"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() | {} == {"subject_type": "person", "subject_id": world.a1.id,
                                    "dimension": "tasks", "earned": 4, "deducted": 0,
                                    "shown": 4}
    resp = sec.post(_board(world) + "/deductions", json=_deduction(world))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["entry"]["shown"] == 3 and resp.get_json()["withdrawn"] is False
    board = api.as_user("a2").get(_board(world))
    assert board.status_code == 200
    body = board.get_json()
    assert body["can_record"] is False and body["max_stars"] == 5
    top = body["persons"][0]
    assert (top["name"], top["rank"], top["total"]) == ("a1", 1, 3)
    assert top["stars"]["tasks"] == {"earned": 4, "deducted": 1, "shown": 3}
    assert body["deductions"][0]["reason"] == "信息报送迟报被通报批评"
    assert body["dimensions"]["honours"] == "获得荣誉情况"


@pytest.mark.parametrize(("who", "status"), [
    ("a1", 200), ("sup_a", 200), ("audit", 200), ("admin", 200),
    ("b1", 403), ("sec_b", 403), ("town_admin", 403),
])
def test_who_reads_the_board(world, api, who, status):
    assert api.as_user(who).get(_board(world)).status_code == status


@pytest.mark.parametrize("who", ["a1", "com_a1", "sup_a", "audit", "sec_b", "town_admin"])
def test_who_cannot_record(world, api, who):
    client = api.as_user(who)
    put = client.put(_board(world) + "/stars", json=_stars(world, whom="a2"))
    post = client.post(_board(world) + "/deductions", json={})  # refused before reading
    assert (put.status_code, post.status_code) == (403, 403)
    assert put.get_json()["error"] == "forbidden"


@pytest.mark.parametrize(("body", "field", "code"), [
    ({"stars": 6}, "stars", "out_of_range"),        # the setting: 5
    ({"stars": "4"}, "stars", "not_a_number"),
    ({"dimension": "charm"}, "dimension", "unknown"),
    ({"subject_type": "team"}, "subject_type", "unknown"),
    ({"on": "2026-05-01"}, "on", "outside_period"),
    ({"whom": "b1"}, "subject", "not_in_unit"),
])
def test_invalid_stars_are_named(world, api, body, field, code):
    body = dict(body)  # the table's dict is shared by both databases' runs
    whom = body.pop("whom", "a1")
    resp = api.as_user("sec_a").put(_board(world) + "/stars", json=_stars(world, whom, **body))
    assert resp.status_code == 422
    assert resp.get_json()["fields"][field]["code"] == code


def test_own_stars_unknown_periods_and_units(world, api):
    sec = api.as_user("sec_a")
    own = sec.put(_board(world) + "/stars", json=_stars(world, "sec_a"))
    assert own.status_code == 403 and own.get_json()["error"] == "own_stars"
    assert sec.get(f"/org-units/{world.units['a'].id}/showcase/2026-13").status_code == 404
    assert sec.get("/org-units/999999/showcase/2026-04").status_code == 404
    no_reason = sec.post(_board(world) + "/deductions", json=_deduction(world, reason=""))
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["fields"]

"""The input boundary through the JSON API (issue 9, items 7, 13 and 15): unencodable
text, malformed ids, numbers and JSON, and over-long text are refused with 4xx naming
the field; nothing answers 500. The web side is in tests/web/test_inputs_web.py."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.factories import FULL_REPORT
from workflow_app import limits
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.errors import Invalid
from workflow_app.extensions import db
from workflow_app.people.services import create_user
from workflow_app.scoring.negative import record_negative_item
from workflow_app.surveys.services import create_survey

BAD_TEXT = ["a\ud800b", "a\udfffb", "a\x00b", "a\x07b", "a\ufffeb"]


@pytest.fixture
def ids(world, create_cycle):
    """a1's assessment submitted (supervisor_review) with a survey, a2's drafting."""
    create_cycle()
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    survey = create_survey(a, world.admin)
    db.session.commit()
    a2 = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.a2.id))
    return {"a": a.id, "a2": a2, "survey": survey.id, "root": world.units["root"].id}


# (user, method, path, body with the marker X, the field the 422 names)
TEXT_FIELDS = [
    ("a2", "put", "/assessments/{a2}/report", {"content": {"key_work": "X"}},
     "content.key_work"),
    ("a2", "put", "/assessments/{a2}/report",
     {"content": {"indicators": [{"name": "X", "target": "1", "actual": "1"}]}},
     "content.indicators.0.name"),
    ("sup_a", "post", "/assessments/{a}/events/send_back", {"comment": "X"}, "comment"),
    ("sup_a", "post", "/assessments/{a}/events/approve", {"comment": "X", "score": 90},
     "comment"),
    ("admin", "post", "/assessments/{a}/events/dismiss", {"reason": "X"}, "reason"),
    ("admin", "post", "/assessments/{a}/override", {"grade": "好", "reason": "X"}, "reason"),
    ("admin", "post", "/assessments/{a}/negative-items",
     {"kind": "deduct", "points": 1, "reason": "X"}, "reason"),
    ("admin", "post", "/assessments/{a}/negative-items",
     {"kind": "deduct", "points": 1, "reason": "r", "evidence": "X"}, "evidence"),
    ("admin", "post", "/assessments/{a}/adjustments", {"item_id": 1, "points": 1,
                                                       "reason": "X"}, "reason"),
    ("admin", "post", "/assessments/{a}/adjustments/1/withdraw", {"reason": "X"}, "reason"),
    ("admin", "post", "/cycles", {"name": "X"}, "name"),
    ("admin", "post", "/org-units", {"name": "X", "parent_id": "{root}"}, "name"),
    ("admin", "post", "/users", {"username": "u", "password": "p" * 10, "display_name": "X",
                                 "org_unit_id": "{root}"}, "display_name"),
    ("admin", "post", "/indicator-sheets", {"name": "s", "bonus_cap": 1, "penalty_cap": 1,
                                            "items": [{"kind": "common", "name": "X"}]},
     "items.0.name"),
    ("admin", "post", "/surveys/{survey}/spot-checks", {"satisfied": 1, "note": "X"}, "note"),
    ("admin", "post", "/surveys/{survey}/tokens", {"count": 1, "channel": "X"}, "channel"),
    (None, "post", "/tokens", {"username": "X", "password": "p"}, "username"),
]


def _fill(value, marker, ids):
    if isinstance(value, dict):
        return {_fill(k, marker, ids): _fill(v, marker, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, marker, ids) for v in value]
    if value == "X":
        return marker
    if isinstance(value, str) and re.fullmatch(r"\{\w+\}", value):
        return ids[value[1:-1]]
    return value


def _send(api, user, method, path, body):
    client = api.as_user(user) if user else api
    raw = json.dumps(body)  # ensure_ascii: a lone surrogate travels as "\ud800"
    return getattr(client.client, method)("/api/v1" + path, data=raw,
                                          content_type="application/json",
                                          headers=client._headers())


def _audit_count():
    return db.session.scalar(select(func.count()).select_from(AuditEntry))


@pytest.mark.parametrize("user,method,path,body,field", TEXT_FIELDS)
def test_unencodable_text_is_refused_naming_the_field(ids, api, user, method, path, body,
                                                      field):
    before = _audit_count()
    for bad in BAD_TEXT:
        resp = _send(api, user, method, path.format(**ids), _fill(body, bad, ids))
        assert resp.status_code == 422, (bad, resp.get_json())
        assert resp.get_json()["fields"][field]["code"] == "bad_character", bad
    db.session.expire_all()
    assert _audit_count() == before  # nothing was recorded


def test_a_bad_character_in_a_key_is_refused_too(ids, api):
    resp = _send(api, "admin", "post", "/cycles", {"na\ud800me": "x"})
    assert resp.status_code == 422
    assert resp.get_json()["fields"]["na\ufffdme"]["code"] == "bad_character"


# (user, method, path, body, field, limit): limit + 1 characters are refused, naming it.
LONG_FIELDS = [
    ("a2", "put", "/assessments/{a2}/report", {"content": {"key_work": "X"}},
     "key_work", limits.REPORT_TEXT),
    ("sup_a", "post", "/assessments/{a}/events/send_back", {"comment": "X"}, "comment",
     limits.COMMENT),
    ("sup_a", "post", "/assessments/{a}/events/approve", {"comment": "X", "score": 90},
     "comment", limits.COMMENT),
    ("admin", "post", "/assessments/{a}/negative-items",
     {"kind": "deduct", "points": 1, "reason": "X"}, "reason", limits.REASON),
    ("admin", "post", "/assessments/{a}/negative-items",
     {"kind": "deduct", "points": 1, "reason": "r", "evidence": "X"}, "evidence", limits.NOTE),
    ("admin", "post", "/org-units", {"name": "X", "parent_id": "{root}"}, "name",
     limits.UNIT_NAME),
    ("admin", "post", "/users", {"username": "u9", "password": "p" * 10, "display_name": "u",
                                 "org_unit_id": "{root}", "email": "X"}, "email", 255),
    ("admin", "post", "/surveys/{survey}/spot-checks", {"satisfied": 1, "note": "X"}, "note",
     limits.NOTE),
    ("admin", "post", "/indicator-sheets",
     {"name": "s", "bonus_cap": 1, "penalty_cap": 1,
      "items": [{"kind": "common", "name": "n", "standard": "X", "weight": 100}]},
     "items.0.standard", limits.NOTE),
    (None, "post", "/tokens", {"username": "X", "password": "p"}, "username",
     limits.ANY_TEXT),
]


@pytest.mark.parametrize("user,method,path,body,field,limit", LONG_FIELDS)
def test_over_long_text_is_refused_naming_the_field(ids, api, user, method, path, body,
                                                    field, limit):
    before = _audit_count()
    resp = _send(api, user, method, path.format(**ids), _fill(body, "长" * (limit + 1), ids))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["fields"][field]["code"] == "too_long"
    db.session.expire_all()
    assert _audit_count() == before


def test_services_refuse_long_text_whatever_the_caller(ids, world):
    """The CLI, the import and jobs call services directly: the same limits hold."""
    a = db.session.get(Assessment, ids["a"])
    with pytest.raises(Invalid) as caught:
        fire_event(a, "send_back", world.sup_a, comment="x" * 1_000_000)
    assert caught.value.fields == {"comment": "too_long"}
    with pytest.raises(Invalid) as caught:
        record_negative_item(a, world.admin, kind="veto", reason="x" * (limits.REASON + 1))
    assert caught.value.fields == {"reason": "too_long"}
    db.session.rollback()
    with pytest.raises(Invalid) as caught:  # the flush guard: email is a String(255)
        create_user(world.admin, username="long", password="p" * 10, display_name="长",
                    org_unit=world.units["root"], roles=[], email="e" * 300)
        db.session.flush()
    assert caught.value.fields == {"email": "too_long"}
    db.session.rollback()


@pytest.mark.parametrize("path", [
    "/assessments/99999999999999999999", "/assessments/2147483648", "/assessments/0",
    "/assessments/%C2%B2", "/assessments/%EF%BC%91", "/assessments/%D9%A1",
    "/assessments/-1", "/assessments/+1", "/cycles/99999999999999999999/results",
    "/ratings/99999999999999999999", "/surveys/%C2%B2/tokens",
])
def test_ids_that_are_no_ids_are_404(ids, api, path):
    admin = api.as_user("admin")
    resp = admin.post(path, json={}) if path.endswith("tokens") else admin.get(path)
    assert resp.status_code == 404
    assert resp.get_json()["error"] == "not_found"


@pytest.mark.parametrize("query,field,code", [
    ("limit=-1", "limit", "out_of_range"), ("limit=0", "limit", "out_of_range"),
    ("limit=501", "limit", "out_of_range"), ("offset=-5", "offset", "out_of_range"),
    ("limit=abc", "limit", "not_a_number"), ("limit=%C2%B2", "limit", "not_a_number"),
    ("offset=99999999999999999999999", "offset", "not_a_number"),
    ("cycle_id=%C2%B2", "cycle_id", "not_a_number"),
    ("cycle_id=2147483648", "cycle_id", "out_of_range"),
])
def test_bad_query_numbers_are_422(ids, api, query, field, code):
    for path in ("/assessments", "/tasks") if field != "cycle_id" else ("/assessments",):
        resp = api.as_user("admin").get(f"{path}?{query}")
        assert resp.status_code == 422, (path, resp.get_json())
        assert resp.get_json()["fields"][field]["code"] == code


def test_limit_caps_the_rows(ids, api):
    assert len(api.as_user("admin").get("/assessments?limit=1").get_json()) == 1


DEEP = "[" * 10_000 + "]" * 10_000


@pytest.mark.parametrize("raw,status,field,code", [
    (DEEP, 422, None, "invalid_json"),
    ('{"comment": ' + "[" * 50 + "]" * 50 + "}", 422, "comment", "too_deep"),
    ("[1, 2]", 422, None, "invalid_json"),
    ('"text"', 422, None, "invalid_json"),
    ("{", 422, None, "invalid_json"),
    # Not UTF-8: json decodes it with "surrogatepass" into a lone surrogate, refused.
    (b'{"comment": "\xed\xa0\x80"}', 422, "comment", "bad_character"),
    ('{"score": NaN}', 422, None, "invalid_json"),
    ('{"score": Infinity}', 422, None, "invalid_json"),
    ('{"score": 1e999}', 422, None, "invalid_json"),
    ('{"version": 99999999999999999999}', 422, "version", "out_of_range"),
    ('{"version": "abc"}', 422, "version", "not_a_number"),
    ('{"version": true}', 422, "version", "not_a_number"),
    ('{"version": -3}', 422, "version", "out_of_range"),
    ('{"score": [1]}', 422, "score", "not_a_number"),
    ('{"score": true}', 422, "score", "not_a_number"),
    ('{"comment": 5}', 422, "comment", "not_text"),
    ('{"comment": {"a": 1}}', 422, "comment", "not_text"),
    ('{"comment": "' + "x" * (limits.JSON_MAX_BYTES + 1) + '"}', 413, None, "too_large"),
])
def test_malformed_json_is_4xx(ids, api, raw, status, field, code):
    sup = api.as_user("sup_a")
    resp = sup.client.post(f"/api/v1/assessments/{ids['a']}/events/approve", data=raw,
                           content_type="application/json", headers=sup._headers())
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert (body["fields"][field]["code"] if field else body["error"]) == code


def test_no_isdigit_parsing_left():
    """`str.isdigit()` accepts "²", which `int()` refuses: parse with
    security.inputs.to_int / to_version / query_int instead."""
    root = Path(__file__).resolve().parent.parent
    allowed = {"workflow_app/security/inputs.py",
               "workflow_app/auth/loader.py"}  # a signed session value, never typed
    found = [str(p.relative_to(root)) for d in ("workflow_app", "forms")
             for p in (root / d).rglob("*.py")
             if ".isdigit()" in p.read_text(encoding="utf-8")
             and str(p.relative_to(root)) not in allowed]
    assert found == []

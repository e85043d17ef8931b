"""The input boundary on the web side (issue 9, items 7, 13 and 15).

A browser never sends a lone surrogate (it sends U+FFFD instead), but a forged request
may send NUL and control characters, which PostgreSQL or the XLSX export cannot carry:
they are removed and the rest of what was typed is kept. Over-long text is refused next
to its field with what was typed still in the form; malformed ids, numbers and versions
give 4xx, and a bad batch item is refused alone."""

from io import BytesIO

import pytest
from sqlalchemy import select, update

from tests.factories import FULL_REPORT
from tests.indicator_helpers import item_named, sheet
from tests.web.conftest import report_form
from workflow_app import limits
from workflow_app.assessments.models import Assessment, Attachment, SelfReport
from workflow_app.assessments.services import current_report, fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicators import AssessmentAdjustment
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.surveys.models import SpotCheck, SurveyResponse
from workflow_app.surveys.services import create_survey, issue_tokens

BAD = "\x00\x01\x07\x1b\ufffe"  # what a forged form may carry (a browser sends none)


def _aid(user):
    return db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == user.id))


@pytest.fixture
def ids(world, create_cycle):
    """a1 submitted (supervisor_review) with a survey; a2 drafting; bonus items."""
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = db.session.get(Assessment, _aid(world.a1))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    token = issue_tokens(create_survey(a, world.admin), world.admin, 1)[0].token
    db.session.commit()
    return {"a": a.id, "a2": _aid(world.a2), "unit": world.units["a"].id, "token": token,
            "bonus": str(item_named(a, "表彰奖励").id), "version": a.version}


def _report(ids, field):
    return current_report(db.session.get(Assessment, ids["a2"])).content[field]


def _last_comment(ids):
    return db.session.scalar(select(AuditEntry.comment).where(
        AuditEntry.subject_type == "assessment", AuditEntry.subject_id == ids["a"])
        .order_by(AuditEntry.id.desc()).limit(1))


# (user, path, form data with the marker X, the stored value read back)
FORMS = [
    ("a2", "/my", lambda i: report_form(i["a2"], "save", key_work="X"),
     lambda i: _report(i, "key_work")),
    ("a2", "/my", lambda i: report_form(i["a2"], "save", **{"indicators-0-name": "X"}),
     lambda i: _report(i, "indicators")[0]["name"]),
    ("sup_a", "/assessments/{a}/events/send_back",
     lambda i: {"send_back-comment": "X", "send_back-version": str(i["version"])},
     _last_comment),
    ("sup_a", "/assessments/{a}/events/approve",
     lambda i: {"approve-comment": "X", "approve-score": "90",
                "approve-version": str(i["version"])}, _last_comment),
    ("admin", "/assessments/{a}/adjustments",
     lambda i: {"item_id": i["bonus"], "points": "1", "reason": "X"},
     lambda i: db.session.scalar(select(AssessmentAdjustment.reason))),
    ("admin", "/admin/people/units/{unit}/children",
     lambda i: {"child-name": "X", "child-category": "网格"},
     lambda i: db.session.scalar(select(OrgUnit.name).where(OrgUnit.category == "网格"))),
    ("admin", "/assessments/{a}/survey/spot-checks",
     lambda i: {"satisfied": "3", "note": "X"},
     lambda i: db.session.scalar(select(SpotCheck.note))),
    ("a3", "/s/{token}", lambda i: {"choice": "satisfied", "comment": "X"},  # anonymous
     lambda i: db.session.scalar(select(SurveyResponse.comment))),
]


def _post(auth, user, path, data, ids):
    web = auth.user(user)
    web.get(path.format(**ids) if not path.endswith("children") else "/admin/people")
    return web.post(path.format(**ids), data)


@pytest.mark.parametrize("user,path,data,stored", FORMS)
def test_forged_control_characters_are_removed_from_forms(auth, ids, user, path, data,
                                                          stored):
    typed = {k: (v.replace("X", f"已{BAD}办结") if v == "X" else v)
             for k, v in data(ids).items()}
    resp = _post(auth, user, path, typed, ids)
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert stored(ids) == "已办结"


# (user, path, form data with the marker X, the field, its limit)
LONG = [
    ("a2", "/my", lambda i: report_form(i["a2"], "save", key_work="X"), "key_work",
     limits.REPORT_TEXT),
    ("sup_a", "/assessments/{a}/events/send_back",
     lambda i: {"send_back-comment": "X", "send_back-version": str(i["version"])},
     "send_back-comment", limits.COMMENT),
    ("admin", "/assessments/{a}/adjustments",
     lambda i: {"item_id": i["bonus"], "points": "1", "reason": "X"}, "reason",
     limits.REASON),
    ("admin", "/admin/people/units/{unit}/children",
     lambda i: {"child-name": "X", "child-category": "网格"}, "child-name",
     limits.UNIT_NAME),
    ("admin", "/assessments/{a}/survey/spot-checks",
     lambda i: {"satisfied": "3", "note": "X"}, "note", limits.NOTE),
    ("a3", "/s/{token}", lambda i: {"choice": "satisfied", "comment": "X"}, "comment",
     limits.SURVEY_COMMENT),
]


@pytest.mark.parametrize("user,path,data,field,limit", LONG)
def test_over_long_text_is_refused_next_to_the_field_keeping_it(auth, ids, user, path, data,
                                                                field, limit):
    before = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()).limit(1))
    typed = "长" * limit + "尾"
    resp = _post(auth, user, path, {k: typed if v == "X" else v
                                    for k, v in data(ids).items()}, ids)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422, html[:500]
    assert "内容过长" in html  # the report's fields also say the limit and the count
    assert typed in html  # what was typed is still in the form
    db.session.expire_all()
    assert db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())
                             .limit(1)) == before


@pytest.mark.parametrize("version", ["abc", "²", "99999999999999999999", "-1", "1.5"])
def test_a_malformed_version_is_refused_as_stale(auth, ids, fresh, version):
    web = auth.user("sup_a")
    web.get(f"/assessments/{ids['a']}")
    resp = web.post(f"/assessments/{ids['a']}/events/approve",
                    {"approve-score": "90", "approve-version": version})
    assert resp.status_code == 409
    assert fresh(Assessment, ids["a"]).state == "supervisor_review"


def test_a_bad_batch_item_is_refused_alone(auth, world, ids, fresh):
    a3 = db.session.get(Assessment, _aid(world.a3))
    save_report(a3, world.a3, FULL_REPORT)
    fire_event(a3, "submit", world.a3)
    db.session.commit()
    web = auth.user("sup_a")
    web.get("/tasks")
    items = ["²:1", "99999999999999999999:1", f"{ids['a']}:abc", f"{a3.id}:{a3.version}"]
    resp = web.post("/tasks/batch", {"event": "approve", "batch-score": "90", "confirmed": "yes",
                                     "items": items})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200, html[:500]
    assert "成功 1 项，未办理 3 项。" in html
    assert fresh(Assessment, a3.id).state == "committee_review"
    assert fresh(Assessment, ids["a"]).state == "supervisor_review"


@pytest.mark.parametrize("user,path,status", [
    ("sup_a", "/assessments/99999999999999999999", 404),
    ("sup_a", "/assessments/%C2%B2", 404),
    ("sup_a", "/assessments/%EF%BC%91", 404),
    ("sup_a", "/assessments/0", 404),
    ("sup_a", "/tasks?page=%C2%B2&size=-1", 200),
    ("sup_a", "/tasks?page=99999999999999999999&size=%C2%B2", 200),
    ("sup_a", "/notifications?page=%C2%B2", 200),
    ("admin", "/admin/people?unit=%C2%B2", 200),
    ("admin", "/admin/people?unit=99999999999999999999", 200),
    ("admin", "/admin/calendar?year=%C2%B2", 200),
    ("admin", "/admin/cycles/new?copy=%C2%B2", 200),
    ("admin", "/admin/cycles/new?copy=99999999999999999999", 200),
])
def test_malformed_numbers_in_urls_are_not_500(auth, ids, user, path, status):
    assert auth.user(user).get(path).status_code == status


def test_stored_bad_text_from_before_cannot_break_a_page(ids, auth, api, is_postgres):
    """Text stored before the boundary existed shows as U+FFFD, never a 500. (PostgreSQL
    never stored a lone surrogate, it refuses them; a control character it did store.)"""
    bad = "旧数据\x01" if is_postgres else "旧数据\ud800"
    report = db.session.scalar(select(SelfReport).where(SelfReport.assessment_id == ids["a"]))
    db.session.execute(update(SelfReport).where(SelfReport.id == report.id)
                       .values(content={**report.content, "key_work": bad}))
    db.session.commit()
    web = auth.user("sup_a")
    resp = web.get(f"/assessments/{ids['a']}")
    assert resp.status_code == 200
    assert "旧数据\ufffd" in resp.get_data(as_text=True)
    assert web.get("/tasks").status_code == 200
    assert api.as_user("sup_a").get(f"/assessments/{ids['a']}").status_code == 200


def test_forged_characters_are_removed_from_uploaded_file_names(auth, ids, world):
    web = auth.user("a2")
    web.get("/my")
    data = report_form(ids["a2"], "upload")
    data["evidence"] = (BytesIO(b"%PDF-1.4\n%%EOF\n"), f"台账{BAD}.pdf")
    resp = web.post("/my", data, content_type="multipart/form-data")
    assert resp.status_code in (302, 303), resp.get_data(as_text=True)[:500]
    assert db.session.scalar(select(Attachment.filename)) == "台账.pdf"


def test_a_form_value_over_the_boundary_gets_a_page_in_chinese(auth, world):
    """The request boundary refuses one value over 10,000 characters with 413: the page
    says why and how to get the text back, in the reader's language."""
    resp = auth.user("a1").post("/my", {"key_work": "字" * 10_001, "action": "save"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 413
    assert "提交的内容过大" in html and "Request Entity Too Large" not in html

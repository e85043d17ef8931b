"""The auditor is read-only (DESIGN.md §1) apart from recording 负面清单 items (issue 9,
item 11): every write route of the web UI and the API, tried by an auditor over the
whole county, is refused. A write route missing from the tables fails the suite."""

import pytest

from tests.factories import FULL_REPORT
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.followups.services import add_measure, open_follow_up
from workflow_app.notifications.models import Notification
from workflow_app.people import substitutes as subs
from workflow_app.people.teams import add_member, create_team
from workflow_app.showcase.rules import parse_period
from workflow_app.showcase.services import deduct_stars
from workflow_app.surveys.services import create_survey

# Routes anyone signed in may use on their own behalf (not a write to anyone's record).
PERSONAL = {"auth.login", "auth.logout", "api.create_token", "notifications.read",
            "notifications.read_all", "notifications.preferences", "surveys.post_answer",
            "auth.change_password", "api.change_own_password", "api.revoke_current_token"}

# What the auditor may write: 负面清单 items, and running the chain verification, whose
# only write is the record of the run on the auditor's own chain (both tested below).
ALLOWED = {"api.create_negative_item", "audit.verify"}

WEB = {
    "grading.override": "/admin/assessments/{a}/override",
    "calendar.index": "/admin/calendar",
    "calendar.remove": "/admin/calendar/2026-04-06/remove",
    "calendar.move_deadline": "/admin/calendar/2026-04-15/deadlines/move",
    "calendar.move_all_deadlines": "/admin/calendar/2026-04-15/deadlines/move-all",
    "cycle_setup.edit": "/admin/cycles/{c}/edit",
    "cycles.grade": "/admin/cycles/{c}/grade",
    "grading.finalize": "/admin/cycles/{c}/grading/finalize",
    "grading.publish": "/admin/cycles/{c}/grading/publish",
    "grading.run": "/admin/cycles/{c}/grading/run",
    "cycles.publish": "/admin/cycles/{c}/publish",
    "cycle_setup.move": "/admin/cycles/{c}/status/close",
    "cycle_setup.new": "/admin/cycles/new",
    "indicators.edit": "/admin/indicators/1",
    "indicators.copy": "/admin/indicators/1/copy",
    "indicators.new": "/admin/indicators/new",
    "notifications.resend": "/admin/outbox/{note}/resend",
    "notifications.resend_dead": "/admin/outbox/resend-dead",
    "people_import.new": "/admin/people/import",
    "people_import.forget": "/admin/people/import/x/forget",
    "people_admin.change_unit": "/admin/people/units/{root}",
    "people_admin.add_unit": "/admin/people/units/{root}/children",
    "people_admin.add_person": "/admin/people/units/{root}/people",
    "people_admin.person": "/admin/people/users/{cadre}",
    "substitutes.admin": "/admin/substitutes",
    "teams.index": "/admin/teams",
    "teams.delete": "/admin/teams/{team}/delete",
    "teams.add_member": "/admin/teams/{team}/members",
    "teams.member": "/admin/teams/{team}/members/{member}",
    "teams.rename": "/admin/teams/{team}/name",
    "indicators.adjustments": "/assessments/{a}/adjustments",
    "indicators.withdraw": "/assessments/{a}/adjustments/1/withdraw",
    "assessments.conflict": "/assessments/{a}/conflict",
    "assessments.fire": "/assessments/{a}/events/approve",
    "assessments.vote": "/assessments/{a}/vote",
    "assessments.withdraw": "/assessments/{a}/files/1/withdraw",
    "disputes.raise_form": "/assessments/{a}/objections/dispute",
    "ratings.add": "/assessments/{a}/raters/add",
    "ratings.remove": "/assessments/{a}/raters/remove",
    "ratings.add_suggested": "/assessments/{a}/raters/suggested",
    "surveys.create": "/assessments/{a}/survey",
    "surveys.spot_check": "/assessments/{a}/survey/spot-checks",
    "surveys.tokens": "/assessments/{a}/survey/tokens",
    "assessments.save_my": "/my",
    "assessments.autosave": "/my/autosave",
    "disputes.resolve": "/objections/1/uphold",
    "ratings.post_rating": "/ratings/{a}",
    "substitutes.mine": "/substitutes",
    "substitutes.end": "/substitutes/{sub}/end",
    "assessments.batch": "/tasks/batch",
    "cycles.remind": "/admin/cycles/{c}/progress/remind",
    "actuals.upload": "/admin/cycles/{c}/actuals",
    "results.notice_settings": "/admin/notice-settings/{root}",
    "people_admin.reset_password": "/admin/people/users/{cadre}/reset-password",
    "people_admin.unlock_login": "/admin/people/users/{cadre}/unlock",
    "people_admin.unlink_sso": "/admin/people/users/{cadre}/unlink-sso",
    "people_import.confirm": "/admin/people/import/x/confirm",
    "ratings.close": "/assessments/{a}/raters/close",
    "ratings.deadline": "/assessments/{a}/raters/deadline",
    "surveys.close": "/assessments/{a}/survey/close",
    "followups.open_": "/cycles/{c}/follow-ups",
    "followups.update": "/follow-ups/{fu}",
    "followups.add_measure": "/follow-ups/{fu}/measures",
    "followups.complete_measure": "/follow-ups/{fu}/measures/{fm}/done",
    "followups.close": "/follow-ups/{fu}/close",
    "linkage.item_ownership": "/admin/indicators/1/items/1/ownership",
    "linkage.unit_weights": "/admin/indicators/1/units/{root}/weights",
    "linkage.record_rates": "/admin/cycles/{c}/linkage",
    "showcase.record_stars": "/showcase/{unit}/2026-04/stars",
    "showcase.deduct": "/showcase/{unit}/2026-04/deductions",
    "showcase.withdraw": "/showcase/deductions/{deduction}/withdraw",
}
API = {
    "api.create_adjustment": ("POST", "/assessments/{a}/adjustments"),
    "api.withdraw_adjustment_api": ("POST", "/assessments/{a}/adjustments/1/withdraw"),
    "api.post_event": ("POST", "/assessments/{a}/events/approve"),
    "api.override_assessment_grade": ("POST", "/assessments/{a}/override"),
    "api.put_raters": ("PUT", "/assessments/{a}/raters"),
    "api.post_rating": ("POST", "/assessments/{a}/rating"),
    "api.put_report": ("PUT", "/assessments/{a}/report"),
    "api.post_survey": ("POST", "/assessments/{a}/survey"),
    "api.create_cycle_api": ("POST", "/cycles"),
    "api.grade_cycle_api": ("POST", "/cycles/{c}/grade"),
    "api.open_cycle_api": ("POST", "/cycles/{c}/open"),
    "api.publish_cycle_api": ("POST", "/cycles/{c}/publish"),
    "api.create_sheet": ("POST", "/indicator-sheets"),
    "api.update_sheet": ("PUT", "/indicator-sheets/1"),
    "api.create_unit": ("POST", "/org-units"),
    "api.post_spot_check": ("POST", "/surveys/{survey}/spot-checks"),
    "api.post_tokens": ("POST", "/surveys/{survey}/tokens"),
    "api.create_user_api": ("POST", "/users"),
    "api.cycle_remind_api": ("POST", "/cycles/{c}/remind"),
    "api.import_actuals_api": ("POST", "/cycles/{c}/actuals"),
    "api.post_close_round": ("POST", "/assessments/{a}/rating-round/close"),
    "api.put_rating_round": ("PUT", "/assessments/{a}/rating-round"),
    "api.post_close_survey": ("POST", "/surveys/{survey}/close"),
    "api.open_follow_up_api": ("POST", "/cycles/{c}/follow-ups"),
    "api.update_follow_up_api": ("PUT", "/follow-ups/{fu}"),
    "api.close_follow_up_api": ("POST", "/follow-ups/{fu}/close"),
    "api.add_measure_api": ("POST", "/follow-ups/{fu}/measures"),
    "api.complete_measure_api": ("POST", "/follow-ups/{fu}/measures/{fm}/done"),
    "api.put_sheet_task": ("PUT", "/indicator-sheets/1/tasks/1"),
    "api.put_unit_weights": ("PUT", "/indicator-sheets/1/unit-weights/1"),
    "api.put_cycle_linkage": ("PUT", "/cycles/{c}/linkage"),
    "api.put_showcase_stars": ("PUT", "/org-units/{unit}/showcase/2026-04/stars"),
    "api.post_showcase_deduction": ("POST", "/org-units/{unit}/showcase/2026-04/deductions"),
}
# Where the auditor is stopped before the permission check, and why that is enough.
OTHER_REFUSAL = {
    "assessments.save_my": 404,     # the auditor has no report of their own
    "assessments.autosave": 404,
    "disputes.raise_form": 409,     # not published; no workflow transition names an auditor
    "disputes.resolve": 404,        # no objection in the scene; resolving is org_admin's
    "assessments.batch": 200,       # per-item refusals on the page, nothing decided
}
# Enough of a body that a route reaches its permission check rather than a 422.
BODY = {"reason": "核实", "comment": "同意", "score": "90", "grade": "优秀", "name": "x",
        "item_id": "1", "points": "1", "user_id": "1", "username": "x", "version": 2}

# The API's bodies are typed (api/schemas): numbers as numbers, so that what refuses the
# auditor is the permission, not a malformed field.
API_DEFAULT = {**BODY, "score": 90, "item_id": 1, "points": 1, "user_id": 1, "count": 1}

API_BODY = {
    "api.create_cycle_api": {"name": "2026年第二季度", "kind": "quarterly", "year": 2026,
                             "quarter": 2, "workflow": "quarterly",
                             "opens_at": "2026-04-01T08:00", "submit_deadline": "2026-04-20T18:00",
                             "org_unit_ids": [1]},
    "api.create_user_api": {"username": "x9", "password": "长长的口令-2026-x", "display_name": "x",
                            "org_unit_id": 1, "roles": ["cadre"]},
    "api.put_report": {"content": FULL_REPORT, "version": 2},
    "api.open_follow_up_api": {"user_id": 1, "kind": "reminder_talk"},
    "api.add_measure_api": {"text": "整改", "owner_id": 1, "due_on": "2026-04-30"},
    "api.close_follow_up_api": {"outcome": "已整改"},
}


@pytest.fixture
def scene(world, create_cycle):
    cycle = create_cycle()
    a = db.session.scalar(db.select(Assessment).where(Assessment.cadre_id == world.a1.id))
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    db.session.commit()
    note = db.session.scalar(db.select(Notification.id).limit(1))
    team = create_team(world.admin, world.units["a"], "东街社区两委班子")
    member = add_member(world.admin, team, world.sec_a, "书记")
    sub = subs.appoint(world.admin, world.sup_a, world.sup_b, "2026-04-02T08:00",
                       "2026-04-09T18:00")
    survey = create_survey(a, world.admin)
    # A follow-up opened by the system (the joint-liability rule), with one open measure.
    fu, _ = open_follow_up(cycle, world.a1, None, "principal_talk", reason="joint_liability")
    fm = add_measure(fu, world.admin, text="整改", owner=world.a1, due_on="2026-04-30")
    deduction = deduct_stars(world.sec_a, world.units["a"], parse_period("2026-04"),
                             ("person", world.a1.id), "tasks", 1, "criticism", "通报批评")
    db.session.commit()
    return {"fu": fu.id, "fm": fm.id, "a": a.id, "survey": survey.id, "c": cycle.id, "note": note,
            "unit": world.units["a"].id, "deduction": deduction.id,
            "root": world.units["root"].id, "cadre": world.a1.id, "team": team.id,
            "member": member.id, "sub": sub.id, "version": a.version}


def _entries():
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEntry))


def test_every_write_route_is_in_a_table(app):
    writes = {r.endpoint for r in app.url_map.iter_rules()
              if r.methods - {"GET", "HEAD", "OPTIONS"}}
    assert writes - PERSONAL - ALLOWED - set(WEB) - set(API) == set()


@pytest.mark.parametrize("endpoint", sorted(WEB))
def test_auditor_cannot_post_web_forms(scene, auth, endpoint):
    web = auth.user("audit")
    before = _entries()
    body = {**BODY, "items": f"{scene['a']}:{scene['version']}", "event": "approve"}
    resp = web.post(WEB[endpoint].format(**scene), data=body)
    assert resp.status_code == OTHER_REFUSAL.get(endpoint, 403), resp.get_data(as_text=True)
    assert _entries() == before  # every write is audited: none happened


@pytest.mark.parametrize("endpoint", sorted(API))
def test_auditor_cannot_write_through_the_api(scene, api, endpoint):
    method, path = API[endpoint]
    client = api.as_user("audit")
    send = client.post if method == "POST" else client.put
    before = _entries()
    resp = send(path.format(**scene), json=API_BODY.get(endpoint, API_DEFAULT))
    assert resp.status_code == 403, resp.get_json()
    assert resp.get_json()["error"] == "forbidden"
    assert _entries() == before


def test_auditor_may_record_a_negative_list_item(scene, api):
    resp = api.as_user("audit").post(f"/assessments/{scene['a']}/negative-items",
                                     json={"kind": "deduct", "points": 1, "reason": "通报批评"})
    assert resp.status_code == 201, resp.get_json()


def test_auditor_may_verify_the_chains_and_only_that_is_recorded(scene, auth):
    web = auth.user("audit")
    before = _entries()
    web.get("/audit/")
    assert web.post("/audit/verify").status_code == 200
    assert _entries() == before + 1
    newest = db.session.scalar(db.select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert (newest.subject_type, newest.action) == ("user", "verify_chains")
    assert newest.subject_id == newest.actor_id

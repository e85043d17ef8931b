"""THE authorization table: who may reach each route, as DESIGN.md §1 and §3 say.

One row per (endpoint, method) — or several, with a `label`, when the answer depends on
the object (e.g. which event is fired). A new route without a row fails the matrix.
Adding a row is one line:

    row("auth.change_password", "POST", "login", data={"old_password": "x"}),

`policy` is a space-separated union of the grants below. URL parameters, the query
string and the body name objects of the seeded world (tests/security/conftest.py):
a string starting with "$" is replaced by that object's id, taken from unit A when the
row is tried inside the actor's scope and from unit B outside it ("$cadre.draft").

Grants (role × scope; actors: A's cadre, supervisor, committee member and secretary,
sub_admin = org_admin of unit A only, top_admin = org_admin of the root, auditor):
    public          everyone, anonymous included
    login           every logged-in role, inside and outside
    own             the cadre, on their own objects (inside)
    supervisor, committee, secretary   that reviewer, on their unit's objects (inside)
    reviewers       the three above
    any_reviewer    the three above, wherever the object is (routes without one)
    unit_member     everyone whose own unit is the object's unit (cadre, reviewers,
                    sub_admin: inside)
    rater           the people assigned to rate (the cadre and the supervisor, inside)
    org_admin_scope an org_admin whose subtree holds the object (sub_admin inside,
                    top_admin everywhere)
    org_admin_any   anyone holding an org_admin grant (pages without an object)
    top_admin       an org_admin of a top-level unit (shared things: sheets, calendar)
    auditor         the auditor (read-only), everywhere
    none            nobody in the matrix (e.g. a rating is read by its rater only)
"""

from dataclasses import dataclass, field

from tests.factories import FULL_REPORT, PASSWORD

ROLES = ("anonymous", "cadre", "supervisor", "committee", "secretary", "sub_admin",
         "top_admin", "auditor")
UNIT_ROLES = ("cadre", "supervisor", "committee", "secretary")
GRANTS = {
    "public": {(r, s) for r in ROLES for s in ("inside", "outside")},
    "login": {(r, s) for r in ROLES[1:] for s in ("inside", "outside")},
    "own": {("cadre", "inside")},
    "supervisor": {("supervisor", "inside")},
    "committee": {("committee", "inside")},
    "secretary": {("secretary", "inside")},
    "reviewers": {(r, "inside") for r in UNIT_ROLES[1:]},
    "any_reviewer": {(r, s) for r in UNIT_ROLES[1:] for s in ("inside", "outside")},
    "unit_member": {(r, "inside") for r in (*UNIT_ROLES, "sub_admin")},
    "rater": {("cadre", "inside"), ("supervisor", "inside")},
    "org_admin_scope": {("sub_admin", "inside"), ("top_admin", "inside"),
                        ("top_admin", "outside")},
    "org_admin_any": {(r, s) for r in ("sub_admin", "top_admin") for s in ("inside", "outside")},
    "top_admin": {("top_admin", "inside"), ("top_admin", "outside")},
    "auditor": {("auditor", "inside"), ("auditor", "outside")},
    "none": set(),
}
VIEWERS = "own reviewers org_admin_scope auditor"   # an assessment's details
STAFF_READ = "org_admin_scope auditor"              # results, lists, summaries
SHOWCASE_READ = "unit_member " + STAFF_READ          # a unit's 星级榜 (业绩晾晒)
SHOWCASE_WRITE = "secretary org_admin_scope"         # recording stars and 减星


@dataclass(frozen=True)
class Row:
    endpoint: str
    method: str
    policy: str
    params: dict = field(default_factory=dict)
    query: dict | None = None
    data: dict | None = None     # form fields (web) or JSON body (API)
    label: str = ""
    outcome: object = None       # optional fn(response, world) -> allowed? (200 either way)
    # Known deviations: {(role, scope): why} — strict xfail, reported, to be fixed elsewhere.
    known: dict = field(default_factory=dict)

    def allowed(self, role, scope):
        return any((role, scope) in GRANTS[p] for p in self.policy.split())

    @property
    def id(self):
        return f"{self.endpoint}:{self.method}" + (f":{self.label}" if self.label else "")


def row(endpoint, method, policy, query=None, data=None, label="", outcome=None, known=None,
        **params):
    for name in policy.split():
        assert name in GRANTS, f"{endpoint}: unknown grant {name!r}"
    return Row(endpoint, method, policy, params, query, data, label, outcome, known or {})


def _report_form(action="save"):
    form = {k: v for k, v in FULL_REPORT.items() if k not in ("self_scores", "indicators")}
    form.update({d: str(v) for d, v in FULL_REPORT["self_scores"].items()})
    return {**form, "assessment_id": "$cadre.draft", "action": action}


def logged_out(resp, world):
    """Logging out always lands on the login page; that is the point, not a refusal."""
    return resp.status_code in (302, 303)


def batch_outcome(resp, world):
    """The queue answers 200 either way; allowed means the item was approved."""
    return world.state_of("$p1.supervisor_review") != "supervisor_review"


SCORES = {"de": "80", "neng": "80", "qin": "80", "ji": "80", "lian": "80"}
A = "$cadre.draft"

ROWS = [
    # --- pages for everyone / the login itself -------------------------------------------
    row("assessments.index", "GET", "login"),
    row("auth.login", "GET", "public"),
    row("auth.login", "POST", "public", data={"username": "", "password": ""}),
    row("auth.logout", "POST", "public", outcome=logged_out),
    row("auth.switch_language", "GET", "public", code="en"),
    # Single sign-on: off in the suite, so 404 for everybody (tests/test_sso_*.py turn it on).
    row("sso.login", "GET", "none", query={"next": "/"}),
    row("sso.callback", "GET", "none", query={"code": "x", "state": "y"}),
    row("assessments.overview", "GET", "login"),
    row("assessments.task_list", "GET", "login"),
    row("assessments.batch", "POST", "supervisor", outcome=batch_outcome,
        data={"event": "approve", "items": "$p1.supervisor_review", "score": "85",
              "confirmed": "yes"}),
    row("notifications.index", "GET", "login"),
    row("notifications.preferences", "GET", "login"),
    row("notifications.preferences", "POST", "login", data={}),
    row("notifications.read_all", "POST", "login"),
    row("notifications.open_note", "GET", "own", note_id="$note"),
    row("notifications.read", "POST", "own", note_id="$note"),
    row("ratings.task_list", "GET", "login"),
    row("substitutes.mine", "GET", "login"),
    # Only someone who reviews appoints a substitute (issue 9 #16): not a cadre, no auditor.
    row("substitutes.mine", "POST", "any_reviewer org_admin_any", data={}),
    row("substitutes.end", "POST", "supervisor committee org_admin_scope",
        substitution_id="$substitution"),
    row("surveys.answer", "GET", "public", token="$survey.token"),
    row("surveys.post_answer", "POST", "public", token="$survey.token",
        data={"choice": "satisfied"}),
    row("surveys.thanks", "GET", "public"),
    # --- the cadre's report and evidence ---------------------------------------------------
    row("assessments.my", "GET", "login"),
    row("assessments.save_my", "POST", "own", data=_report_form()),
    row("assessments.autosave", "POST", "own", data=_report_form()),
    row("assessments.withdraw", "POST", "own", assessment_id=A, attachment_id="$cadre.file"),
    row("assessments.download", "GET", VIEWERS, assessment_id=A, attachment_id="$cadre.file"),
    # --- the assessment page and its decisions ------------------------------------------------
    row("assessments.detail", "GET", VIEWERS, assessment_id=A),
    row("assessments.detail", "GET", VIEWERS + " unit_member", label="published",
        assessment_id="$cadre.published"),
    # A colleague's item under review: the cadre of the same unit sees nothing of it.
    row("assessments.detail", "GET", "reviewers org_admin_scope auditor", label="colleague",
        assessment_id="$p1.supervisor_review"),
    row("assessments.fire", "POST", "own", label="submit", assessment_id=A, event="submit"),
    row("assessments.fire", "POST", "supervisor", label="approve_sup",
        assessment_id="$p1.supervisor_review", event="approve", data={"score": "85"}),
    row("assessments.fire", "POST", "committee", label="approve_com",
        assessment_id="$p2.committee_review", event="approve", data={"score": "85"}),
    row("assessments.fire", "POST", "secretary", label="approve_sec",
        assessment_id="$p3.secretary_approval", event="approve"),
    row("assessments.fire", "POST", "org_admin_scope", label="dismiss",
        assessment_id="$p1.disputed", event="dismiss", data={"reason": "材料不实"}),
    row("assessments.fire", "POST", "org_admin_scope", label="exclude", assessment_id=A,
        event="exclude", data={"exclude-reason": "借调", "confirmed": "yes"}),
    row("assessments.conflict", "POST", "committee", assessment_id="$p2.committee_review",
        data={"reason": "亲属关系"}),
    row("assessments.vote", "POST", "committee", assessment_id="$p2.committee_review",
        data={"vote-decision": "approve", "vote-score": "85"}),
    row("disputes.raise_form", "GET", "own unit_member", assessment_id="$cadre.published",
        event="dispute"),
    row("disputes.raise_form", "POST", "own unit_member", assessment_id="$cadre.published",
        event="dispute", data={"reason": "漏记了一项重点工作"}),
    row("disputes.cycle_list", "GET", STAFF_READ, cycle_id="$cycle.published",
        known=dict.fromkeys(GRANTS["auditor"], "the auditor reads every objection (DESIGN §1, "
                            "§4) but the list needs an org_admin: disputes_views")),
    row("disputes.resolve", "POST", "org_admin_scope", objection_id="$objection",
        event="dismiss", data={"reason": "材料不实"}),
    row("disputes.download", "GET", STAFF_READ, objection_id="$objection",
        attachment_id="$objection.file"),
    # --- bonus / penalty entries (auditors record negative-list items only) -------------------
    # --- issue 10: the paper (公示 notice settings, 平时考核登记表) ------------------------------
    row("results.notice_settings_index", "GET", "top_admin"),
    row("results.notice_settings", "GET", "top_admin", unit_id="$top"),
    row("results.notice_settings", "POST", "top_admin", unit_id="$top",
        data={"issuing_body": "中共某县委组织部"}),
    row("results.registration", "GET", "own " + STAFF_READ, assessment_id="$cadre.published"),
    row("results.registration_pdf_one", "GET", "own " + STAFF_READ,
        assessment_id="$cadre.published"),
    row("results.unit_registration", "GET", STAFF_READ, cycle_id="$cycle.published",
        unit_id="$unit"),
    row("results.unit_registration_pdf", "GET", STAFF_READ, cycle_id="$cycle.published",
        unit_id="$unit"),
    # --- issue 14: the cadre's record (实绩档案): the cadre, the supervisor and the secretary
    # above them, the organisation department over the unit and the auditor; not the
    # committee (it reviews quarters, not careers) nor a colleague.
    row("records.mine", "GET", "login"),
    row("records.page", "GET", "own supervisor secretary " + STAFF_READ, user_id="$cadre.user"),
    row("records.pdf", "GET", "own supervisor secretary " + STAFF_READ, user_id="$cadre.user"),
    row("api.person_record", "GET", "own supervisor secretary " + STAFF_READ,
        user_id="$cadre.user"),
    # --- issue 10: the clerk's progress console --------------------------------------------
    row("cycles.progress", "GET", "org_admin_scope", cycle_id="$cycle.open"),
    row("cycles.remind", "POST", "org_admin_scope", data={"confirmed": "yes"},
        cycle_id="$cycle.open"),
    row("api.cycle_progress_api", "GET", STAFF_READ, cycle_id="$cycle.open"),
    # --- issue 14: cycles of every cadence (the list shows each caller only what it reads)
    row("api.list_cycles", "GET", "login"),
    row("api.cycle_remind_api", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    # 数据同源: actuals imported by an org_admin over the cycle's units (issue 14)
    row("actuals.index", "GET", "org_admin_scope", cycle_id="$cycle.open"),
    row("actuals.upload", "POST", "org_admin_scope", cycle_id="$cycle.open", data={}),
    row("api.import_actuals_api", "POST", "org_admin_scope", cycle_id="$cycle.open",
        data={"rows": []}),
    row("api.list_actuals", "GET", "org_admin_scope", cycle_id="$cycle.open"),
    # --- issue 9: credentials, rating rounds and surveys closed by the org_admin ------------
    row("auth.change_password", "GET", "login"),
    row("auth.change_password", "POST", "login",
        data={"old_password": "wrong", "new_password": "x", "confirm": "x"}),
    row("api.change_own_password", "POST", "login",
        data={"old_password": "wrong", "new_password": "x"}),
    row("api.revoke_current_token", "DELETE", "login"),
    row("people_admin.reset_password", "POST", "org_admin_scope", user_id="$cadre.user"),
    row("people_admin.unlock_login", "POST", "org_admin_scope", user_id="$cadre.user"),
    row("people_admin.unlink_sso", "POST", "org_admin_scope", user_id="$cadre.user",
        data={"reason": "统一身份账号已更换"}),
    row("ratings.close", "POST", "org_admin_scope", assessment_id="$p1.supervisor_review"),
    row("api.post_close_round", "POST", "org_admin_scope",
        assessment_id="$p1.supervisor_review"),
    row("surveys.close", "POST", "org_admin_scope", assessment_id=A),
    row("api.post_close_survey", "POST", "org_admin_scope", survey_id="$survey"),
    row("indicators.adjustments", "GET", STAFF_READ, assessment_id=A),
    row("indicators.adjustments", "POST", "org_admin_scope", assessment_id=A,
        data={"item_id": "", "points": "1", "reason": "表彰"}),
    row("indicators.withdraw", "POST", "org_admin_scope", assessment_id=A,
        entry_id="$adjustment", data={"reason": "录错"}),
    # --- 360 ratings and surveys -------------------------------------------------------------
    row("ratings.rate", "GET", "rater", assessment_id="$p1.supervisor_review"),
    row("ratings.post_rating", "POST", "rater", assessment_id="$p1.supervisor_review",
        data=SCORES),
    row("ratings.raters", "GET", "org_admin_scope", assessment_id="$p1.supervisor_review"),
    row("ratings.add", "POST", "org_admin_scope", assessment_id="$p1.supervisor_review",
        data={"username": "", "group": "peer"}),
    row("ratings.remove", "POST", "org_admin_scope", assessment_id="$p1.supervisor_review",
        data={"user_id": "$cadre.user"}),
    row("ratings.add_suggested", "POST", "org_admin_scope",
        assessment_id="$p1.supervisor_review"),
    # issue 11, item 15: a round's closing date; the list of surveys (menu 满意度测评)
    row("ratings.deadline", "POST", "org_admin_scope", assessment_id="$p1.supervisor_review",
        data={"closes_on": "2030-01-31"}),
    row("surveys.survey_list", "GET", "org_admin_any"),
    row("surveys.admin", "GET", "org_admin_scope", assessment_id=A),
    row("surveys.create", "POST", "org_admin_scope", assessment_id=A),
    row("surveys.tokens", "POST", "org_admin_scope", assessment_id=A,
        data={"count": "1", "channel": "qr"}),
    row("surveys.spot_check", "POST", "org_admin_scope", assessment_id=A,
        data={"choice": "satisfied", "phone": "13800000000"}),
    row("surveys.print_codes", "GET", "org_admin_scope", assessment_id=A),
    row("surveys.sms_texts", "GET", "org_admin_scope", assessment_id=A),
    # --- results and 公示 ----------------------------------------------------------------------
    row("results.results_page", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("results.results_export", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("results.publication", "GET", "unit_member " + STAFF_READ,
        cycle_id="$cycle.published"),
    row("results.publication_pdf", "GET", "unit_member " + STAFF_READ,
        cycle_id="$cycle.published"),
    row("results.publication_xlsx", "GET", "unit_member " + STAFF_READ,
        cycle_id="$cycle.published"),
    row("teams.results", "GET", STAFF_READ, cycle_id="$cycle.published"),
    # --- follow-up of the last-ranked (末位 → 民主生活会 / 提醒谈话 / 约谈, 整改) -----------------
    row("followups.cycle_page", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("followups.open_", "POST", "org_admin_scope", cycle_id="$cycle.published",
        data={"user_id": "$p1.user", "kind": "reminder_talk", "held_on": ""}),
    row("followups.index", "GET", "org_admin_any auditor"),
    # The person followed up (and a measure's owner: the same cadre here) reads it.
    row("followups.detail", "GET", "own " + STAFF_READ, follow_up_id="$followup"),
    row("followups.update", "POST", "org_admin_scope", follow_up_id="$followup",
        data={"held_on": "2026-04-08", "problems": "进度滞后", "outcome": "", "version": ""}),
    row("followups.add_measure", "POST", "org_admin_scope", follow_up_id="$followup",
        data={"text": "整改", "owner_id": "$cadre.user", "due_on": "2026-04-30"}),
    row("followups.complete_measure", "POST", "org_admin_scope", follow_up_id="$followup",
        measure_id="$followup.measure", data={"note": "已完成"}),
    row("followups.close", "POST", "org_admin_scope", follow_up_id="$followup",
        data={"outcome": "已整改", "version": ""}),
    # --- 业绩晾晒 (issue 14): the unit's members see its 星级榜; its secretary and the
    # org_admins over it record stars and 减星; never the public, never another unit.
    row("showcase.index", "GET", "login"),
    *[row(f"showcase.{page}", "GET", SHOWCASE_READ, unit_id="$unit", period="2026-04")
      for page in ("board", "bulletin", "bulletin_as_xlsx", "bulletin_as_pdf")],
    row("showcase.record_stars", "POST", SHOWCASE_WRITE, unit_id="$unit", period="2026-04",
        data={"stars-dimension": "tasks"}),
    row("showcase.deduct", "POST", SHOWCASE_WRITE, unit_id="$unit", period="2026-04",
        data={"deduct-dimension": "tasks"}),
    row("showcase.withdraw", "POST", SHOWCASE_WRITE, deduction_id="$deduction",
        data={"withdraw-reason": "误录"}),
    # --- cycles: set-up, grading, publishing -----------------------------------------------
    row("cycle_setup.admin_home", "GET", "org_admin_any"),
    row("cycle_setup.workflows", "GET", "org_admin_any auditor"),
    # The auditor's pages (issue 10 #9): auditors and org_admins, each over their units.
    row("audit.home", "GET", "org_admin_any auditor"),
    row("audit.log", "GET", "org_admin_any auditor", query={"person": "a", "cycle": "$cycle.open"}),
    row("audit.export", "GET", "org_admin_any auditor", query={"unit": "$unit"}),
    row("audit.verify", "POST", "org_admin_any auditor"),
    row("cycles.admin", "GET", "org_admin_any"),
    row("cycle_setup.new", "GET", "org_admin_any"),
    row("cycle_setup.new", "POST", "org_admin_any", data={"name": ""}),
    row("cycle_setup.edit", "GET", "org_admin_scope", cycle_id="$cycle.open"),
    row("cycle_setup.edit", "POST", "org_admin_scope", cycle_id="$cycle.open", data={}),
    row("cycle_setup.move", "POST", "org_admin_scope", cycle_id="$cycle.open",
        action="close"),
    row("cycles.grade", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("cycles.publish", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("grading.page", "GET", "org_admin_scope", cycle_id="$cycle.open"),
    row("grading.run", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("grading.publish", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("grading.finalize", "POST", "org_admin_scope", cycle_id="$cycle.published"),
    row("grading.override", "POST", "org_admin_scope", assessment_id="$cadre.published",
        data={"grade": "较好", "reason": "复核"}),
    row("indicators.cycle_copy", "GET", STAFF_READ, cycle_id="$cycle.open"),
    # --- indicator sheets, calendar, imports: shared by every unit ----------------------------
    row("indicators.index", "GET", "top_admin"),
    row("indicators.new", "GET", "top_admin"),
    row("indicators.new", "POST", "top_admin", data={"category": ""}),
    row("indicators.edit", "GET", "top_admin", sheet_id="$sheet"),
    row("indicators.edit", "POST", "top_admin", sheet_id="$sheet", data={"name": ""}),
    row("indicators.copy", "POST", "top_admin", sheet_id="$sheet", data={"category": ""}),
    # issue 15 (seed 003): task ownership and units' own weights (the city's sheets), the
    # 连带考核 rates of a cycle (its org_admins; the auditor reads)
    row("linkage.sheet_tasks", "GET", "top_admin", sheet_id="$sheet"),
    row("linkage.item_ownership", "GET", "top_admin", sheet_id="$sheet", item_id="$sheet.item"),
    row("linkage.item_ownership", "POST", "top_admin", sheet_id="$sheet",
        item_id="$sheet.item", data={"linkage_weight": "很多"}),
    row("linkage.unit_weights", "GET", "top_admin", sheet_id="$sheet", unit_id="$unit"),
    row("linkage.unit_weights", "POST", "top_admin", sheet_id="$sheet", unit_id="$unit",
        data={"reason": ""}),
    row("linkage.cycle_linkage", "GET", STAFF_READ, cycle_id="$cycle.open"),
    row("linkage.record_rates", "POST", "org_admin_scope", cycle_id="$cycle.open",
        data={"item_id": ""}),
    row("calendar.index", "GET", "org_admin_any"),
    row("calendar.index", "POST", "top_admin", data={"day": "2026-06-01", "kind": "holiday"}),
    row("calendar.remove", "POST", "top_admin", day="$day"),
    # Moving a due date off a day off: the cycle's own admins; "all" moves only their own.
    row("calendar.move_deadline", "POST", "org_admin_scope", day="2026-04-15",
        data={"cycle_id": "$cycle.open", "deadline": "submit"}),
    row("calendar.move_all_deadlines", "POST", "org_admin_any", day="2026-04-15"),
    row("people_import.new", "GET", "top_admin"),
    row("people_import.new", "POST", "top_admin", data={}),
    row("people_import.show", "GET", "top_admin", job_id="$job"),
    row("people_import.report", "GET", "top_admin", job_id="$job"),
    row("people_import.forget", "POST", "top_admin", job_id="$job"),
    row("people_import.confirm", "POST", "top_admin", job_id="$job", data={"sha256": "0"}),
    # --- people, teams, substitutes, the outbox ------------------------------------------------
    row("people_admin.index", "GET", "org_admin_any"),
    row("people_admin.change_unit", "POST", "org_admin_scope", unit_id="$unit",
        data={"name": ""}),
    row("people_admin.add_unit", "POST", "org_admin_scope", unit_id="$unit",
        data={"name": ""}),
    row("people_admin.add_person", "POST", "org_admin_scope", unit_id="$unit",
        data={"username": ""}),
    row("people_admin.person", "GET", "org_admin_scope", user_id="$cadre.user"),
    row("people_admin.person", "POST", "org_admin_scope", user_id="$cadre.user",
        data={"display_name": ""}),
    row("teams.index", "GET", "org_admin_any"),
    row("teams.index", "POST", "org_admin_scope", data={"org_unit": "$unit", "name": "新班子"}),
    row("teams.team", "GET", "org_admin_scope", team_id="$team"),
    row("teams.rename", "POST", "org_admin_scope", team_id="$team", data={"name": "新名"}),
    row("teams.delete", "POST", "org_admin_scope", team_id="$team"),
    row("teams.add_member", "POST", "org_admin_scope", team_id="$team",
        data={"user": "$cadre.user", "position": "委员"}),
    row("teams.member", "POST", "org_admin_scope", team_id="$team",
        member_id="$team.member", data={"remove": "1"}),
    row("substitutes.admin", "GET", "org_admin_any"),
    row("substitutes.admin", "POST", "org_admin_any", data={}),
    row("notifications.outbox", "GET", "org_admin_any"),
    row("notifications.resend", "POST", "org_admin_scope", note_id="$dead_letter"),
    row("notifications.resend_dead", "POST", "org_admin_any"),
    # --- operations probes (issue 13): no login; /metrics is held to loopback or a token,
    # and the matrix's client is on loopback (tests/test_operations_metrics.py refuses the rest)
    row("operations_health.healthz", "GET", "public"),
    row("operations_health.readyz", "GET", "public"),
    row("operations_metrics.metrics", "GET", "public"),
    # --- JSON API -----------------------------------------------------------------------------
    row("api.openapi", "GET", "public"),
    row("api.create_token", "POST", "public",
        data={"username": "auditor", "password": PASSWORD}),
    row("api.me", "GET", "login"),
    row("api.list_tasks", "GET", "login"),
    row("api.list_assessments", "GET", "login"),
    row("api.list_rating_tasks", "GET", "login"),
    row("api.show_assessment", "GET", VIEWERS, assessment_id=A),
    row("api.show_assessment", "GET", "reviewers org_admin_scope auditor", label="colleague",
        assessment_id="$p1.supervisor_review"),
    row("api.put_report", "PUT", "own", assessment_id=A, data={"content": FULL_REPORT}),
    row("api.post_event", "POST", "org_admin_scope", label="exclude", assessment_id=A,
        event="exclude", data={"reason": "借调"}),
    row("api.post_event", "POST", "own", label="submit", assessment_id=A, event="submit",
        data={}),
    row("api.post_event", "POST", "supervisor", label="approve_sup",
        assessment_id="$p1.supervisor_review", event="approve", data={"score": 85}),
    row("api.post_event", "POST", "committee", label="approve_com",
        assessment_id="$p2.committee_review", event="approve", data={"score": 85}),
    row("api.post_event", "POST", "secretary", label="approve_sec",
        assessment_id="$p3.secretary_approval", event="approve", data={}),
    row("api.post_event", "POST", "own unit_member", label="dispute",
        assessment_id="$cadre.published", event="dispute", data={"reason": "漏记"}),
    row("api.post_event", "POST", "org_admin_scope", label="dismiss",
        assessment_id="$p1.disputed", event="dismiss", data={"reason": "材料不实"}),
    row("api.list_adjustments", "GET", VIEWERS, assessment_id=A),
    row("api.create_adjustment", "POST", "org_admin_scope", assessment_id=A,
        data={"item_id": None, "points": 1, "reason": "表彰"}),
    row("api.withdraw_adjustment_api", "POST", "org_admin_scope", assessment_id=A,
        entry_id="$adjustment", data={"reason": "录错"}),
    row("api.create_negative_item", "POST", STAFF_READ, assessment_id=A,
        data={"kind": "deduct", "points": 2, "reason": "经查实"}),
    row("api.override_assessment_grade", "POST", "org_admin_scope",
        assessment_id="$cadre.published", data={"grade": "较好", "reason": "复核"}),
    row("api.list_raters", "GET", "org_admin_scope", assessment_id="$p1.supervisor_review"),
    row("api.put_raters", "PUT", "org_admin_scope", assessment_id="$p1.supervisor_review",
        data={"raters": [{"user_id": "$sup.user", "group": "superior"}]}),
    row("api.suggested_raters", "GET", "org_admin_scope",
        assessment_id="$p1.supervisor_review"),
    row("api.post_rating", "POST", "rater", assessment_id="$p1.supervisor_review",
        data=dict.fromkeys(SCORES, 80)),
    row("api.get_rating", "GET", "supervisor", rating_id="$rating"),
    row("api.get_rating_summary", "GET", STAFF_READ, assessment_id="$p1.supervisor_review"),
    row("api.put_rating_round", "PUT", "org_admin_scope", assessment_id="$p1.supervisor_review",
        data={"closes_on": "2030-01-31"}),
    row("api.get_assessment_survey", "GET", STAFF_READ, assessment_id=A),
    row("api.post_survey", "POST", "org_admin_scope", assessment_id=A, data={}),
    row("api.post_tokens", "POST", "org_admin_scope", survey_id="$survey",
        data={"count": 1, "channel": "qr"}),
    row("api.post_spot_check", "POST", "org_admin_scope", survey_id="$survey",
        data={"choice": "satisfied"}),
    row("api.create_cycle_api", "POST", "org_admin_scope", data={
        "name": "2026年第三季度", "kind": "quarterly", "year": 2026, "quarter": 3,
        "workflow": "quarterly", "org_unit_ids": ["$unit"],
        "opens_at": "2026-07-01T00:00:00+08:00", "submit_deadline": "2026-07-15T00:00:00+08:00",
        "committee_stage": True, "publicity_days": 5, "appeal_days": 15}),
    row("api.show_cycle", "GET", STAFF_READ, cycle_id="$cycle.open"),
    row("api.cycle_indicators", "GET", STAFF_READ, cycle_id="$cycle.open"),
    row("api.open_cycle_api", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("api.grade_cycle_api", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("api.publish_cycle_api", "POST", "org_admin_scope", cycle_id="$cycle.open"),
    row("api.cycle_results", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("api.api_team_results", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("api.follow_up_candidates", "GET", STAFF_READ, cycle_id="$cycle.published"),
    row("api.list_follow_ups", "GET", "login"),  # each sees those of their scope (or none)
    row("api.open_follow_up_api", "POST", "org_admin_scope", cycle_id="$cycle.published",
        data={"user_id": "$p1.user", "kind": "reminder_talk"}),
    row("api.show_follow_up", "GET", "own " + STAFF_READ, follow_up_id="$followup"),
    row("api.update_follow_up_api", "PUT", "org_admin_scope", follow_up_id="$followup",
        data={"problems": "进度滞后"}),
    row("api.close_follow_up_api", "POST", "org_admin_scope", follow_up_id="$followup",
        data={"outcome": "已整改"}),
    row("api.add_measure_api", "POST", "org_admin_scope", follow_up_id="$followup",
        data={"text": "整改", "owner_id": "$cadre.user", "due_on": "2026-04-30"}),
    row("api.complete_measure_api", "POST", "org_admin_scope", follow_up_id="$followup",
        measure_id="$followup.measure", data={"note": "已完成"}),
    row("api.get_showcase_board", "GET", SHOWCASE_READ, unit_id="$unit", period="2026-04"),
    row("api.put_showcase_stars", "PUT", SHOWCASE_WRITE, unit_id="$unit", period="2026-04",
        data={}),
    row("api.post_showcase_deduction", "POST", SHOWCASE_WRITE, unit_id="$unit",
        period="2026-04", data={}),
    row("api.list_sheets", "GET", "top_admin"),
    row("api.create_sheet", "POST", "top_admin", data={"category": "执法服务类"}),
    row("api.update_sheet", "PUT", "top_admin", sheet_id="$sheet", data={"name": ""}),
    row("api.list_sheet_tasks", "GET", "top_admin", sheet_id="$sheet"),
    row("api.put_sheet_task", "PUT", "top_admin", sheet_id="$sheet", item_id="$sheet.item",
        data={"linkage_weight": 0}),
    row("api.list_unit_weights", "GET", "top_admin", sheet_id="$sheet"),
    row("api.put_unit_weights", "PUT", "top_admin", sheet_id="$sheet", unit_id="$unit",
        data={"weights": {}, "reason": ""}),
    row("api.cycle_linkage_api", "GET", STAFF_READ, cycle_id="$cycle.open"),
    row("api.put_cycle_linkage", "PUT", "org_admin_scope", cycle_id="$cycle.open",
        data={"item_id": 0, "completions": []}),
    row("api.create_unit", "POST", "org_admin_scope",
        data={"name": "新社区", "parent_id": "$unit", "category": "社区"}),
    row("api.create_user_api", "POST", "org_admin_scope", data={
        "username": "newcomer", "password": "a-long-passphrase-42", "display_name": "新人",
        "roles": ["cadre"], "org_unit_id": "$unit"}),
]

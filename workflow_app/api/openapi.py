"""`/api/v1/openapi.json`: every endpoint of the API, its requests and answers taken from
the pydantic models in workflow_app/api/schemas (the same models validate the requests)."""

from functools import cache
from typing import NamedTuple

from flask import jsonify
from pydantic.json_schema import models_json_schema

from workflow_app.api import bp
from workflow_app.api.schemas import Error
from workflow_app.api.schemas import actuals as D
from workflow_app.api.schemas import assessments as A
from workflow_app.api.schemas import cycles as C
from workflow_app.api.schemas import followups as F
from workflow_app.api.schemas import linkage as L
from workflow_app.api.schemas import people as P
from workflow_app.api.schemas import records as R
from workflow_app.api.schemas import scoring as S
from workflow_app.api.schemas import showcase as W
from workflow_app.api.schemas import surveys as V

REF = "#/components/schemas/{model}"
STR = {"type": "string"}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
TEXT_PARAMS = ("{event}", "{period}")  # path parameters that are not ids


class Endpoint(NamedTuple):
    method: str
    path: str
    summary: str
    request: type | None = None    # a RequestModel
    response: object = None        # a ResponseModel, [Model] for a list of them, or None
    status: int = 200
    auth: bool = True


E = Endpoint
ENDPOINTS = [
    E("post", "/tokens", "Log in; returns a bearer token", P.TokenRequest, P.Token, 201,
      auth=False),
    E("delete", "/tokens/current", "Revoke the bearer token of this request", status=204),
    E("get", "/me", "The caller", response=P.Me),
    E("post", "/me/password", "Change one's own password; ends every other session and token "
      "and returns a new token", P.PasswordChangeRequest, P.Token),
    E("post", "/org-units", "Create an org unit", P.OrgUnitRequest, P.OrgUnit, 201),
    E("post", "/users", "Create a user with roles", P.UserRequest, P.User, 201),
    E("post", "/cycles", "Create a cycle", C.CycleRequest, C.Cycle, 201),
    E("get", "/cycles", "Cycles the caller reads, newest first (?kind=monthly|quarterly|"
      "half_year|annual, ?year=, ?limit=, ?offset=)", response=[C.Cycle]),
    E("get", "/cycles/{id}", "A cycle", response=C.Cycle),
    E("post", "/cycles/{id}/open", "Open: one assessment per cadre in scope",
      response=C.OpenedCycle),
    E("post", "/cycles/{id}/grade", "Grade approved assessments", response=C.GradeSummary),
    E("post", "/cycles/{id}/publish", "Publish graded assessments (公示)",
      response=C.PublishedCycle),
    E("get", "/cycles/{id}/results", "Scores, grades, ranks and flags",
      response=[C.CycleResult]),
    E("get", "/cycles/{id}/progress", "Counts per state and per unit", response=C.Progress),
    E("post", "/cycles/{id}/remind", "Remind everyone still drafting (催办), once a day each",
      response=C.Reminders),
    E("get", "/tasks", "Assessments waiting for the caller", response=[A.AssessmentSummary]),
    E("get", "/assessments", "Assessments the caller may see",
      response=[A.AssessmentSummary]),
    E("get", "/assessments/{id}", "One assessment with report and history",
      response=A.Assessment),
    E("put", "/assessments/{id}/report", "Save the report draft", A.ReportRequest,
      A.Assessment),
    E("post", "/assessments/{id}/events/{event}", "Fire a workflow event. At the "
      "two-committees stage approve / send_back / abstain are the member's vote (同意 / 不同意 "
      "(comment required) / 弃权); the cycle's rule decides when the item moves",
      A.EventRequest, A.Assessment),
    E("post", "/assessments/{id}/negative-items", "Record a 负面清单 item (auditor, org_admin)",
      S.NegativeItemRequest, S.NegativeItem, 201),
    E("post", "/assessments/{id}/override", "Override a grade with a reason (org_admin)",
      S.OverrideRequest, S.OverrideResult),
    # 360-degree ratings and satisfaction surveys (issue 5)
    E("get", "/assessments/{id}/raters", "360 raters of an assessment (org_admin)",
      response=[S.RaterAssignment]),
    E("put", "/assessments/{id}/raters", "Set the 360 raters (org_admin)", S.RatersRequest,
      [S.RaterAssignment]),
    E("get", "/assessments/{id}/raters/suggested", "Raters suggested from the org tree",
      response=[S.SuggestedRater]),
    E("get", "/rating-tasks", "The caller's own rating tasks", response=[S.RatingTask]),
    E("post", "/assessments/{id}/rating", "Rate as an assigned rater, once", S.RatingRequest,
      S.Rating, 201),
    E("get", "/ratings/{rating_id}", "A rating, for the rater who gave it only",
      response=S.Rating),
    E("get", "/assessments/{id}/rating-summary", "360 score and group means (folded below "
      "the minimum), released only once the round is closed; staff progress while open",
      response=S.RatingSummary),
    E("post", "/assessments/{id}/rating-round/close", "Close the 360 rating round "
      "(org_admin)", response=S.RatingSummary),
    E("put", "/assessments/{id}/rating-round", "Set the last day of the 360 rating round "
      "(org_admin, while open; null: none); it closes at the end of that day, Beijing time",
      S.RatingRoundRequest, S.RatingSummary),
    E("post", "/assessments/{id}/survey", "Create the satisfaction survey (org_admin); 200 "
      "with the same body when it exists already", response=V.SurveySummary, status=201),
    E("get", "/assessments/{id}/survey", "The satisfaction survey's totals; counts and rate "
      "once closed", response=V.SurveySummary),
    E("post", "/surveys/{survey_id}/tokens", "Issue one-time survey links", V.TokensRequest,
      V.SurveyLinks, 201),
    E("post", "/surveys/{survey_id}/spot-checks", "Record a phone spot check (电话抽查)",
      V.SpotCheckRequest, V.SpotCheck, 201),
    E("post", "/surveys/{survey_id}/close", "Close the satisfaction survey (org_admin)",
      response=V.SurveySummary),
    # indicator sheets: bonus / penalty entries (issue 5)
    E("post", "/assessments/{id}/adjustments", "Record a bonus or penalty entry against the "
      "cycle's indicator sheet (org_admin, auditor)", C.AdjustmentRequest, C.Adjustment, 201),
    E("get", "/assessments/{id}/adjustments", "Bonus and penalty entries of an assessment",
      response=[C.Adjustment]),
    E("post", "/assessments/{id}/adjustments/{entry_id}/withdraw", "Withdraw an entry "
      "recorded by mistake, with a reason (audited)", C.WithdrawRequest, C.Withdrawn),
    E("get", "/cycles/{id}/indicators", "The cycle's copy of the indicator sheets",
      response=[C.CycleIndicatorSheet]),
    E("get", "/indicator-sheets", "Indicator sheets per unit category (top-level org_admin)",
      response=[C.IndicatorSheet]),
    E("post", "/indicator-sheets", "Create an indicator sheet; weights of common and "
      "individual items add up to 100", C.IndicatorSheetRequest, C.IndicatorSheet, 201),
    E("put", "/indicator-sheets/{sheet_id}", "Replace a sheet and its items (running cycles "
      "keep their copy)", C.IndicatorSheetRequest, C.IndicatorSheet),
    # 数据同源: figures a source office holds, imported once per period (issue 14)
    E("post", "/cycles/{id}/actuals", "Import indicator actuals from a source office (统计局, "
      "督查室) against the cycle's sheet; all rows or none (422 rows_refused lists each "
      "row's problem in Chinese); org_admin over the cadres' units", D.ActualsImportRequest,
      D.ActualsImport, 201),
    E("get", "/cycles/{id}/actuals", "The cycle's imported actuals for cadres under the "
      "caller's units (org_admin)", response=[D.Actual]),
    # task ownership, units' own weights, 市县同责连带考核 (issue 15, seed 003)
    E("get", "/indicator-sheets/{sheet_id}/tasks", "Task ownership of a sheet's indicators: "
      "牵头单位, 总负责, 责任单位, linkage settings (top-level org_admin)",
      response=[L.IndicatorTask]),
    E("put", "/indicator-sheets/{sheet_id}/tasks/{item_id}", "Set an indicator's ownership and "
      "linkage settings (audited; running cycles keep their copy)", L.OwnershipRequest,
      L.IndicatorTask),
    E("get", "/indicator-sheets/{sheet_id}/unit-weights", "Units with their own weights on "
      "this sheet", response=[L.UnitWeights]),
    E("put", "/indicator-sheets/{sheet_id}/unit-weights/{unit_id}", "Give one unit its own "
      "weights (still adding up to 100, with a reason, audited); {} puts it back on the "
      "sheet's", L.UnitWeightsRequest, L.UnitWeights),
    E("get", "/cycles/{id}/linkage", "市县同责连带考核: the linked indicators with every "
      "county's completion rate, the mean and the lead unit's points",
      response=[L.LinkedIndicator]),
    E("put", "/cycles/{id}/linkage", "Record counties' completion rates of one linked "
      "indicator (org_admin of the cycle; audited)", L.CompletionsRequest, L.LinkedIndicator),
    # 班子 (teams): team grades with joint liability (issue 5)
    E("get", "/cycles/{id}/teams", "Team (班子) grades of a cycle: members' mean score, "
      "capped by joint liability (连带责任)", response=[S.TeamResult]),
    # the cadre's record (实绩档案, issue 14)
    E("get", "/people/{user_id}/record", "A cadre's record across every cycle: published results, "
      "key work, bonus / penalty and negative-list entries, objections (the cadre, superiors, "
      "org_admin and auditor in scope)", response=R.PersonRecord),
    # follow-up of the last-ranked (秦皇岛: 末位 → 专题民主生活会 / 提醒谈话 / 约谈, 整改)
    E("get", "/cycles/{id}/follow-up-candidates", "Persons and units last (or in the "
      "bottom N, grading.follow_up.bottom_n) of each category ranking of a graded cycle",
      response=F.Candidates),
    E("get", "/follow-ups", "Follow-ups of the units the caller administers or audits",
      response=[F.FollowUp]),
    E("post", "/cycles/{id}/follow-ups", "Open a follow-up (org_admin); 200 with the same "
      "body when it is open already for the same subject, kind and reason",
      F.FollowUpRequest, F.FollowUp, 201),
    E("get", "/follow-ups/{follow_up_id}", "A follow-up with its measures",
      response=F.FollowUp),
    E("put", "/follow-ups/{follow_up_id}", "Record the date, problems found and outcome",
      F.FollowUpUpdate, F.FollowUp),
    E("post", "/follow-ups/{follow_up_id}/close", "Close (销号) once held and every measure "
      "is done; the outcome is required", F.CloseRequest, F.FollowUp),
    E("post", "/follow-ups/{follow_up_id}/measures", "Add a rectification measure (整改措施) "
      "with its owner and due date", F.MeasureRequest, F.Measure, 201),
    E("post", "/follow-ups/{follow_up_id}/measures/{measure_id}/done", "Mark a measure done",
      F.MeasureDoneRequest, F.Measure),
    # 业绩晾晒 (issue 14): a unit's 星级榜 per period ("2026-04" or "2026-Q2")
    E("get", "/org-units/{unit_id}/showcase/{period}", "The unit's star board (星级榜) of a "
      "period: stars per person or department and dimension, ranked, and the 减星 with "
      "reasons (the unit's members, its superiors, org_admin, auditor)", response=W.Board),
    E("put", "/org-units/{unit_id}/showcase/{period}/stars", "Set the stars a person or "
      "department earned on a dimension (org_admin in scope, the unit's secretary; never "
      "one's own)", W.StarsRequest, W.Entry),
    E("post", "/org-units/{unit_id}/showcase/{period}/deductions", "减星: take stars away for a "
      "missed target or a notice of criticism, with the reason", W.DeductionRequest,
      W.Deduction, 201),
]

_PAGE = {"limit": {"type": "integer", "minimum": 1, "maximum": 500},
         "offset": {"type": "integer", "minimum": 0, "maximum": 10**9}}
QUERY = {"/assessments": {"cycle_id": ID, "state": STR, **_PAGE}, "/tasks": _PAGE,
         "/follow-ups": {"cycle_id": ID}}
ERRORS = {"401": "Not logged in", "403": "Not allowed (role or scope), "
          "password_change_required, or password_login_disabled (an account that logs in "
          "by single sign-on, SSO_PASSWORD_LOGIN)", "404": "Unknown",
          "409": "Wrong state or stale version", "413": "Body too large (JSON: 1 MiB)",
          "422": "Invalid payload, naming each bad field",
          "429": "Too many failed logins (throttled)"}


def _models():
    """Every model the endpoints name, and Error: requests as validated, answers as sent."""
    pairs = [(Error, "serialization")]
    for e in ENDPOINTS:
        pairs += [(e.request, "validation")] if e.request else []
        answer = e.response[0] if isinstance(e.response, list) else e.response
        pairs += [(answer, "serialization")] if isinstance(answer, type) and answer is not dict \
            else []
    return list(dict.fromkeys(pairs))


@cache
def components():
    """The models' JSON Schemas, each under its own name (nested models included)."""
    _refs, top = models_json_schema(_models(), ref_template=REF)
    return top["$defs"]


def _schema(answer):
    if isinstance(answer, list):
        return {"type": "array", "items": _schema(answer[0])}
    if answer is None or answer is dict:
        return {"type": "object"}
    return {"$ref": REF.format(model=answer.__name__)}


def _parameters(path):
    params = [{"name": p.strip("{}"), "in": "path", "required": True,
               "schema": STR if p in TEXT_PARAMS else ID}
              for p in path.split("/") if p.startswith("{")]
    return params + [{"name": q, "in": "query", "schema": schema}
                     for q, schema in QUERY.get(path, {}).items()]


def _operation(e):
    ok = {"description": "OK", "content": {"application/json": {
        "schema": _schema(e.response)}}}
    op = {"summary": e.summary, "responses": {
        str(e.status): {"description": "No content"} if e.status == 204 else ok}}
    for code, text in ERRORS.items():
        op["responses"][code] = {"description": text, "content": {"application/json": {
            "schema": _schema(Error)}}}
    if e.request:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": _schema(e.request)}}}
    if params := _parameters(e.path):
        op["parameters"] = params
    if not e.auth:
        op["security"] = []
    return op


def build_spec():
    paths = {}
    for e in ENDPOINTS:
        paths.setdefault(e.path, {})[e.method] = _operation(e)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kaohe API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": components(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


def response_schema(method, path, status):
    """The schema a documented answer must match (tests check the API's answers by it)."""
    for e in ENDPOINTS:
        if (e.method, e.path) == (method, path):
            answer = e.response if status == e.status else Error
            return _schema(answer)
    return None


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())

"""`/api/v1/openapi.json`: every endpoint of the API, built from one table."""

from flask import jsonify

from workflow_app import limits
from workflow_app.api import bp
from workflows import workflow_keys
from workflows.registry import all_states

ERROR = {"$ref": "#/components/schemas/Error"}
OBJ = {"type": "object"}
STR, INT, NUM, BOOL = ({"type": t} for t in ("string", "integer", "number", "boolean"))
NULLABLE_INT = {"type": ["integer", "null"]}
NULLABLE_NUM = {"type": ["number", "null"]}
NULLABLE_STR = {"type": ["string", "null"]}


def text(max_length, required=False):
    """A free-text field with the server's limit (workflow_app/limits.py)."""
    return {"type": "string", "maxLength": max_length, **({"minLength": 1} if required else {})}


NAME, UNIT_NAME = text(limits.NAME, True), text(limits.UNIT_NAME, True)
REASON, COMMENT, NOTE = text(limits.REASON, True), text(limits.COMMENT), text(limits.NOTE)
REPORT = text(limits.REPORT_TEXT)
POINTS = {"type": "number", "exclusiveMinimum": 0, "maximum": 100}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
LIST = {"type": "array", "items": OBJ}

SCHEMAS = {
    "Error": {"type": "object", "required": ["error", "message"], "properties": {
        "error": STR, "message": STR, "fields": OBJ}},
    "TokenRequest": {"type": "object", "required": ["username", "password"],
                     "properties": {"username": text(80, True),
                                    "password": text(200, True)}},
    "PasswordChangeRequest": {"type": "object", "required": ["old_password", "new_password"],
                              "properties": {"old_password": text(200, True),
                                             "new_password": text(200, True)}},
    "OrgUnitRequest": {"type": "object", "required": ["name"], "properties": {
        "name": UNIT_NAME, "parent_id": NULLABLE_INT, "category": text(60)}},
    "UserRequest": {"type": "object",
                    "required": ["username", "password", "display_name", "org_unit_id"],
                    "properties": {"username": text(80, True), "password": text(200, True),
                                   "display_name": UNIT_NAME, "email": text(255),
                                   "phone": text(32), "org_unit_id": INT,
                                   "supervisor_id": NULLABLE_INT,
                                   "roles": {"type": "array", "items": STR}}},
    "CycleRequest": {"type": "object", "required": [
        "name", "kind", "year", "org_unit_ids", "opens_at", "submit_deadline"],
        "properties": {"name": NAME, "kind": {"enum": ["quarterly", "annual"]}, "year": INT,
                       "quarter": NULLABLE_INT, "workflow": {"enum": workflow_keys()},
                       "org_unit_ids": {"type": "array", "items": INT},
                       "opens_at": {"type": "string", "format": "date-time"},
                       "submit_deadline": {"type": "string", "format": "date-time"},
                       "committee_stage": BOOL, "publicity_days": INT, "appeal_days": INT,
                       "grading": OBJ}},
    "ReportRequest": {"type": "object", "required": ["content"], "properties": {
        "content": {"type": "object", "properties": {
            "key_work": REPORT, "indicator_progress": REPORT, "most_satisfied": REPORT,
            "least_satisfied": REPORT, "self_evaluation": REPORT, "self_scores": OBJ}}}},
    "NegativeItemRequest": {"type": "object", "required": ["kind", "reason"], "properties": {
        "kind": {"enum": ["deduct", "veto"]}, "points": POINTS, "reason": REASON,
        "evidence": NOTE}},
    "OverrideRequest": {"type": "object", "required": ["grade", "reason"], "properties": {
        "grade": STR, "reason": REASON, "version": INT}},
    "EventRequest": {"type": "object", "properties": {
        "comment": COMMENT, "reason": text(limits.REASON), "score": NUM, "version": INT}},
    "AssessmentSummary": {"type": "object", "required": ["id", "state", "version"],
                          "properties": {
        "id": INT, "cycle_id": INT, "cadre_id": INT, "cadre_name": STR, "org_unit_id": INT,
        "state": {"enum": all_states()}, "version": INT, "score": NULLABLE_NUM,
        "grade": NULLABLE_STR, "state_since": NULLABLE_STR}},
    "Assessment": {"allOf": [{"$ref": "#/components/schemas/AssessmentSummary"}, {
        "type": "object", "required": ["allowed_events", "flags", "scores", "history"],
        "properties": {
            "allowed_events": {"type": "array", "items": STR}, "rank": NULLABLE_INT,
            "flags": {"type": "array"}, "report": {"type": ["object", "null"]},
            "scores": {"type": "array", "items": OBJ},
            "history": {"type": "array", "items": OBJ},
            # At the two-committees stage, for those who see the details: the tally.
            "committee": {"type": ["object", "null"], "properties": {
                "rule": {"enum": ["any", "majority", "all"]}, "eligible": INT,
                "quorum": INT, "needed": INT, "agree": INT, "disagree": INT, "abstain": INT,
                "not_voted": INT, "votes": {"type": "array", "items": OBJ}}}}}]},
    "Token": {"type": "object", "required": ["token"], "properties": {"token": STR}},
}

# (method, path, summary, request schema or None, success status, needs auth)
ENDPOINTS = [
    ("post", "/tokens", "Log in; returns a bearer token", "TokenRequest", 201, False),
    ("delete", "/tokens/current", "Revoke the bearer token of this request", None, 204, True),
    ("get", "/me", "The caller", None, 200, True),
    ("post", "/me/password", "Change one's own password; ends every other session and token "
     "and returns a new token", "PasswordChangeRequest", 200, True),
    ("post", "/org-units", "Create an org unit", "OrgUnitRequest", 201, True),
    ("post", "/users", "Create a user with roles", "UserRequest", 201, True),
    ("post", "/cycles", "Create a cycle", "CycleRequest", 201, True),
    ("get", "/cycles/{id}", "A cycle", None, 200, True),
    ("post", "/cycles/{id}/open", "Open: one assessment per cadre in scope", None, 200, True),
    ("post", "/cycles/{id}/grade", "Grade approved assessments", None, 200, True),
    ("post", "/cycles/{id}/publish", "Publish graded assessments (公示)", None, 200, True),
    ("get", "/cycles/{id}/results", "Scores, grades, ranks and flags", None, 200, True),
    ("get", "/cycles/{id}/progress", "Counts per state and per unit", None, 200, True),
    ("post", "/cycles/{id}/remind", "Remind everyone still drafting (催办), once a day each",
     None, 200, True),
    ("get", "/tasks", "Assessments waiting for the caller", None, 200, True),
    ("get", "/assessments", "Assessments the caller may see", None, 200, True),
    ("get", "/assessments/{id}", "One assessment with report and history", None, 200, True),
    ("put", "/assessments/{id}/report", "Save the report draft", "ReportRequest", 200, True),
    ("post", "/assessments/{id}/events/{event}", "Fire a workflow event. At the "
     "two-committees stage approve / send_back / abstain are the member's vote (同意 / 不同意 "
     "(comment required) / 弃权); the cycle's rule decides when the item moves",
     "EventRequest", 200, True),
    ("post", "/assessments/{id}/negative-items", "Record a 负面清单 item (auditor, org_admin)",
     "NegativeItemRequest", 201, True),
    ("post", "/assessments/{id}/override", "Override a grade with a reason (org_admin)",
     "OverrideRequest", 200, True),
]

_PAGE = {"limit": {"type": "integer", "minimum": 1, "maximum": 500},
         "offset": {"type": "integer", "minimum": 0, "maximum": 10**9}}
QUERY = {"/assessments": {"cycle_id": ID, "state": STR, **_PAGE}, "/tasks": _PAGE}

# What a success answers, where it is not one object.
RESPONSES = {
    ("post", "/tokens"): {"$ref": "#/components/schemas/Token"},
    ("get", "/tasks"): {"type": "array", "items": {
        "$ref": "#/components/schemas/AssessmentSummary"}},
    ("get", "/assessments"): {"type": "array", "items": {
        "$ref": "#/components/schemas/AssessmentSummary"}},
    ("get", "/assessments/{id}"): {"$ref": "#/components/schemas/Assessment"},
    ("put", "/assessments/{id}/report"): {"$ref": "#/components/schemas/Assessment"},
    ("post", "/assessments/{id}/events/{event}"): {"$ref": "#/components/schemas/Assessment"},
    ("get", "/cycles/{id}/results"): LIST,
    ("get", "/assessments/{id}/raters"): LIST, ("put", "/assessments/{id}/raters"): LIST,
    ("get", "/assessments/{id}/raters/suggested"): LIST, ("get", "/rating-tasks"): LIST,
    ("get", "/assessments/{id}/adjustments"): LIST, ("get", "/cycles/{id}/indicators"): LIST,
    ("get", "/indicator-sheets"): LIST, ("get", "/cycles/{id}/teams"): LIST,
}


def _operation(method, path, summary, request_schema, status, auth):
    answer = RESPONSES.get((method, path), OBJ)
    ok = {"description": "OK", "content": {"application/json": {"schema": answer}}}
    op = {"summary": summary, "responses": {
        str(status): {"description": "No content"} if status == 204 else ok}}
    errors = {"401": "Not logged in", "403": "Not allowed (role or scope), or "
              "password_change_required", "404": "Unknown",
              "409": "Wrong state or stale version", "413": "Body too large (JSON: 1 MiB)",
              "422": "Invalid payload, naming each bad field",
              "429": "Too many failed logins (throttled)"}
    for code, text in errors.items():
        op["responses"][code] = {"description": text,
                                 "content": {"application/json": {"schema": ERROR}}}
    if request_schema:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{request_schema}"}}}}
    params = [{"name": p.strip("{}"), "in": "path", "required": True,
               "schema": STR if p == "{event}" else ID}
              for p in path.split("/") if p.startswith("{")]
    params += [{"name": q, "in": "query", "schema": schema}
               for q, schema in QUERY.get(path, {}).items()]
    if params:
        op["parameters"] = params
    if not auth:
        op["security"] = []
    return op


def build_spec():
    paths = {}
    for method, path, *rest in ENDPOINTS:
        paths.setdefault(path, {})[method] = _operation(method, path, *rest)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Kaohe API", "version": "1"},
        "servers": [{"url": "/api/v1"}],
        "paths": paths,
        "components": {"schemas": SCHEMAS, "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(build_spec())


# --- 360-degree ratings and satisfaction surveys (issue 5) ---------------------------------

_DIMS = dict.fromkeys(("de", "neng", "qin", "ji", "lian"), NUM)
SCHEMAS.update({
    "RatersRequest": {"type": "object", "required": ["raters"], "properties": {
        "raters": {"type": "array", "items": {"type": "object", "required": ["user_id", "group"],
                   "properties": {"user_id": INT, "group": {
                       "enum": ["superior", "peer", "subordinate", "public"]}}}}}},
    "RatingRequest": {"type": "object", "required": list(_DIMS), "properties": _DIMS},
    "TokensRequest": {"type": "object", "required": ["count"], "properties": {
        "count": INT, "channel": {"enum": ["qr", "sms"]}}},
    "SpotCheckRequest": {"type": "object", "properties": {
        "satisfied": INT, "basically_satisfied": INT, "dissatisfied": INT, "note": NOTE}},
    "RatingRoundRequest": {"type": "object", "required": ["closes_on"], "properties": {
        "closes_on": {"type": ["string", "null"], "format": "date"}}},
})
ENDPOINTS += [
    ("get", "/assessments/{id}/raters", "360 raters of an assessment (org_admin)", None, 200,
     True),
    ("put", "/assessments/{id}/raters", "Set the 360 raters (org_admin)", "RatersRequest", 200,
     True),
    ("get", "/assessments/{id}/raters/suggested", "Raters suggested from the org tree", None,
     200, True),
    ("get", "/rating-tasks", "The caller's own rating tasks", None, 200, True),
    ("post", "/assessments/{id}/rating", "Rate as an assigned rater, once", "RatingRequest", 201,
     True),
    ("get", "/ratings/{rating_id}", "A rating, for the rater who gave it only", None, 200, True),
    ("get", "/assessments/{id}/rating-summary", "360 score and group means (folded below the "
     "minimum), released only once the round is closed; staff progress while open", None, 200,
     True),
    ("post", "/assessments/{id}/rating-round/close", "Close the 360 rating round (org_admin)",
     None, 200, True),
    ("put", "/assessments/{id}/rating-round", "Set the last day of the 360 rating round "
     "(org_admin, while open; null: none); it closes at the end of that day, Beijing time",
     "RatingRoundRequest", 200, True),
    ("post", "/assessments/{id}/survey", "Create the satisfaction survey (org_admin)", None, 201,
     True),
    ("get", "/assessments/{id}/survey", "The satisfaction survey's totals; counts and rate "
     "once closed", None, 200,
     True),
    ("post", "/surveys/{survey_id}/tokens", "Issue one-time survey links", "TokensRequest", 201,
     True),
    ("post", "/surveys/{survey_id}/spot-checks", "Record a phone spot check (电话抽查)",
     "SpotCheckRequest", 201, True),
    ("post", "/surveys/{survey_id}/close", "Close the satisfaction survey (org_admin)", None,
     200, True),
]

# --- indicator sheets: bonus / penalty entries (issue 5) ---------------------------------

SCHEMAS["AdjustmentRequest"] = {"type": "object", "required": ["item_id", "points", "reason"],
                                "properties": {"item_id": INT, "points": NUM, "reason": REASON}}
ENDPOINTS += [
    ("post", "/assessments/{id}/adjustments", "Record a bonus or penalty entry against the "
     "cycle's indicator sheet (org_admin, auditor)", "AdjustmentRequest", 201, True),
    ("get", "/assessments/{id}/adjustments", "Bonus and penalty entries of an assessment",
     None, 200, True),
    ("post", "/assessments/{id}/adjustments/{entry_id}/withdraw", "Withdraw an entry recorded "
     "by mistake, with a reason (audited)", "WithdrawRequest", 200, True),
    ("get", "/cycles/{id}/indicators", "The cycle's copy of the indicator sheets", None, 200,
     True),
    ("get", "/indicator-sheets", "Indicator sheets per unit category (top-level org_admin)",
     None, 200, True),
    ("post", "/indicator-sheets", "Create an indicator sheet; weights of common and "
     "individual items add up to 100", "IndicatorSheetRequest", 201, True),
    ("put", "/indicator-sheets/{sheet_id}", "Replace a sheet and its items (running cycles "
     "keep their copy)", "IndicatorSheetRequest", 200, True),
]
SCHEMAS["WithdrawRequest"] = {"type": "object", "required": ["reason"],
                              "properties": {"reason": REASON}}
SCHEMAS["IndicatorSheetRequest"] = {
    "type": "object", "required": ["name", "bonus_cap", "penalty_cap", "items"], "properties": {
        "category": text(60), "name": NAME, "bonus_cap": NUM, "penalty_cap": NUM,
        "items": {"type": "array", "items": {
            "type": "object", "required": ["kind", "name"], "properties": {
                "kind": {"enum": ["common", "individual", "bonus", "penalty"]}, "name": NAME,
                "standard": NOTE, "weight": NUM, "cap": NUM}}}}}

# --- 班子 (teams): team grades with joint liability (issue 5) -----------------------------

ENDPOINTS += [
    ("get", "/cycles/{id}/teams", "Team (班子) grades of a cycle: members' mean score, capped "
     "by joint liability (连带责任)", None, 200, True),
]

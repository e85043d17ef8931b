"""JSON API v1 (DESIGN.md §7). Bearer tokens only: no cookies, hence no CSRF."""

from flask import Blueprint, g, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from workflow_app.api.schemas.base import parse
from workflow_app.auth.services import PasswordChangeRequired, user_for_token
from workflow_app.errors import DomainError, Invalid, NotAuthenticated
from workflow_app.extensions import db
from workflow_app.messages import describe_fields
from workflow_app.security.inputs import NOT_JSON, read_json

bp = Blueprint("api", __name__)
PUBLIC_ENDPOINTS = {"api.create_token", "api.openapi"}
# All a user who must change their password may do with a token.
WHILE_CHANGE_REQUIRED = {"api.revoke_current_token", "api.change_own_password"}


@bp.before_request
def authenticate_bearer():
    g.api_user, g.api_token = None, None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        g.api_token = header[7:].strip()
        g.api_user = user_for_token(g.api_token)
    if g.api_user is None and request.endpoint not in PUBLIC_ENDPOINTS:
        raise NotAuthenticated()
    if (g.api_user is not None and g.api_user.must_change_password
            and request.endpoint not in WHILE_CHANGE_REQUIRED | PUBLIC_ENDPOINTS):
        raise PasswordChangeRequired()


def current_api_user():
    return g.api_user


def current_api_token():
    return g.api_token


def json_body():
    """The request's JSON object, or a 413 / 422 that says what is wrong with it: the one
    place the API parses JSON (size, depth, numbers and characters checked there)."""
    data = read_json()
    if not isinstance(data, dict):
        raise Invalid(NOT_JSON, code="invalid_json")
    return data


def validated(model, data=None):
    """The request's JSON object (or `data`, read before) as `model`, a pydantic model of
    workflow_app/api/schemas: 422 naming each bad field with the API's field codes."""
    return parse(model, json_body() if data is None else data)


def error_response(exc):
    body = {"error": exc.code, "message": str(exc.message)}
    # Extra facts a refusal carries (e.g. the counts per state of an `incomplete`).
    body.update((k, v) for k, v in exc.details.items() if k != "fields")
    if isinstance(exc, Invalid) and exc.fields:
        body["fields"] = describe_fields(exc.fields)
    return jsonify(body), exc.status


@bp.errorhandler(DomainError)
def handle_domain_error(exc):
    db.session.rollback()
    return error_response(exc)


HTTP_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed",
              413: "too_large"}


@bp.errorhandler(HTTPException)
def handle_http_error(exc):
    """Also used by the app for /api/ URLs that match no route (no blueprint yet)."""
    db.session.rollback()
    code = HTTP_CODES.get(exc.code, "http_error")
    return jsonify({"error": code, "message": exc.description}), exc.code


@bp.errorhandler(Exception)
def handle_unexpected(exc):
    db.session.rollback()
    from flask import current_app

    current_app.logger.exception("unhandled API error")
    return jsonify({"error": "internal", "message": str(_l("Internal error."))}), 500


from workflow_app.api import openapi  # noqa: E402,F401  (routes register on bp)
from workflow_app.assessments import api as _assessments  # noqa: E402,F401
from workflow_app.cycles import actuals_api as _actuals  # noqa: E402,F401
from workflow_app.cycles import api as _cycles  # noqa: E402,F401
from workflow_app.cycles import indicator_api as _indicators  # noqa: E402,F401
from workflow_app.cycles import linkage_api as _linkage  # noqa: E402,F401
from workflow_app.followups import api as _followups  # noqa: E402,F401
from workflow_app.people import api as _people  # noqa: E402,F401
from workflow_app.people import team_views as _teams  # noqa: E402,F401
from workflow_app.records import api as _records  # noqa: E402,F401
from workflow_app.scoring import api as _scoring  # noqa: E402,F401
from workflow_app.scoring import ratings_api as _ratings  # noqa: E402,F401
from workflow_app.showcase import api as _showcase  # noqa: E402,F401  (业绩晾晒)
from workflow_app.surveys import api as _surveys  # noqa: E402,F401

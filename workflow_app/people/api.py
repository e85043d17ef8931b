"""API: tokens, the caller, org units and users."""

from flask import jsonify, request

from workflow_app.api import bp, current_api_token, current_api_user, validated
from workflow_app.api.schemas.people import (
    OrgUnitRequest,
    PasswordChangeRequest,
    TokenRequest,
    UserRequest,
)
from workflow_app.auth.credentials import change_password
from workflow_app.auth.services import authenticate, issue_token, revoke_token
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.scope import administers
from workflow_app.people.services import create_org_unit, create_user


def user_json(user):
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "roles": user.roles, "org_unit_id": user.org_unit_id, "email": user.email,
            "phone": user.phone, "supervisor_id": user.supervisor_id}


def unit_json(unit):
    return {"id": unit.id, "name": unit.name, "parent_id": unit.parent_id,
            "category": unit.category, "path": unit.path}


@bp.post("/tokens")
def create_token():
    body = validated(TokenRequest)
    user = authenticate(body.username, body.password, request.remote_addr or "")
    token = issue_token(user)
    db.session.commit()
    return jsonify({"token": token}), 201


@bp.delete("/tokens/current")
def revoke_current_token():
    """Log out this token only; the user's other tokens and sessions stay."""
    revoke_token(current_api_token())
    db.session.commit()
    return "", 204


@bp.post("/me/password")
def change_own_password():
    """Change one's own password; every other token and session of the user ends."""
    body = validated(PasswordChangeRequest)
    user = current_api_user()
    change_password(user, body.old_password, body.new_password,
                    client_addr=request.remote_addr or "")
    token = issue_token(user)  # the caller's token died with the old epoch: a new one
    db.session.commit()
    return jsonify({"token": token}), 200


@bp.get("/me")
def me():
    user = current_api_user()
    return jsonify({k: v for k, v in user_json(user).items()
                    if k in ("id", "username", "display_name", "roles", "org_unit_id")})


def _referenced(model, ref_id, name, errors):
    obj = None if ref_id is None else db.session.get(model, ref_id)
    if ref_id is not None and obj is None:
        errors[name] = "not_found"
    return obj


@bp.post("/org-units")
def create_unit():
    body, errors = validated(OrgUnitRequest), {}
    parent = _referenced(OrgUnit, body.parent_id, "parent_id", errors)
    if errors:
        raise Invalid(fields=errors)
    unit = create_org_unit(body.name, parent, body.category or "", actor=current_api_user())
    db.session.commit()
    return jsonify(unit_json(unit)), 201


@bp.post("/users")
def create_user_api():
    body, errors = validated(UserRequest), {}
    fields = {n: getattr(body, n) or "" for n in ("username", "password", "display_name",
                                                   "email", "phone")}
    unit = _referenced(OrgUnit, body.org_unit_id, "org_unit_id", errors)
    supervisor = _referenced(User, body.supervisor_id, "supervisor_id", errors)
    if errors:
        raise Invalid(fields=errors)
    actor = current_api_user()
    if supervisor is not None and not administers(actor, supervisor.org_unit):
        raise NotAllowed()
    user = create_user(actor, org_unit=unit, roles=body.roles, supervisor=supervisor, **fields)
    db.session.commit()
    return jsonify(user_json(user)), 201

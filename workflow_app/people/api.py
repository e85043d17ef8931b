"""API: tokens, the caller, org units and users."""

from flask import jsonify, request

from workflow_app.api import bp, current_api_token, current_api_user, json_body
from workflow_app.api.payload import optional_int, raise_if, string_list, text
from workflow_app.auth.credentials import change_password
from workflow_app.auth.services import authenticate, issue_token, revoke_token
from workflow_app.errors import NotAllowed
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
    data = json_body()
    errors = {}
    username = text(data, "username", errors, required=True)
    password = text(data, "password", errors, required=True)
    raise_if(errors)
    user = authenticate(username, password, request.remote_addr or "")
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
    data, errors = json_body(), {}
    old = text(data, "old_password", errors, required=True)
    new = text(data, "new_password", errors, required=True)
    raise_if(errors)
    user = current_api_user()
    change_password(user, old, new, client_addr=request.remote_addr or "")
    token = issue_token(user)  # the caller's token died with the old epoch: a new one
    db.session.commit()
    return jsonify({"token": token}), 200


@bp.get("/me")
def me():
    user = current_api_user()
    return jsonify({k: v for k, v in user_json(user).items()
                    if k in ("id", "username", "display_name", "roles", "org_unit_id")})


def _referenced(model, data, name, errors, required=False):
    ref_id = optional_int(data, name, errors)
    if ref_id is None:
        if required and name not in errors:
            errors[name] = "required"
        return None
    obj = db.session.get(model, ref_id)
    if obj is None:
        errors[name] = "not_found"
    return obj


@bp.post("/org-units")
def create_unit():
    data, errors = json_body(), {}
    name = text(data, "name", errors, required=True)
    category = text(data, "category", errors)
    parent = _referenced(OrgUnit, data, "parent_id", errors)
    raise_if(errors)
    unit = create_org_unit(name, parent, category, actor=current_api_user())
    db.session.commit()
    return jsonify(unit_json(unit)), 201


@bp.post("/users")
def create_user_api():
    data, errors = json_body(), {}
    fields = {n: text(data, n, errors, required=n in ("username", "password", "display_name"))
              for n in ("username", "password", "display_name", "email", "phone")}
    roles = string_list(data, "roles", errors)
    unit = _referenced(OrgUnit, data, "org_unit_id", errors, required=True)
    supervisor = _referenced(User, data, "supervisor_id", errors)
    raise_if(errors)
    actor = current_api_user()
    if supervisor is not None and not administers(actor, supervisor.org_unit):
        raise NotAllowed()
    user = create_user(actor, org_unit=unit, roles=roles, supervisor=supervisor, **fields)
    db.session.commit()
    return jsonify(user_json(user)), 201

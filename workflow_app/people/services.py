"""Org tree and people: creating them, and finding who holds a role over a unit."""

import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, lazyload

from workflow_app import transaction_cache
from workflow_app.audit.services import record
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, RoleGrant, User
from workflow_app.people.passwords import hash_password
from workflow_app.people.roles import ORG_ADMIN, ROLES
from workflow_app.people.scope import administers, scope_paths
from workflow_app.validation import require_text

MIN_PASSWORD = 8
# A DingTalk userid or WeCom UserID: letters, digits and _-@. (WeCom's documented set),
# up to 64. Never a comma or "|": the providers read those as lists of recipients.
WORK_APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
WORK_APP_ID_FIELDS = ("dingtalk_user_id", "wecom_user_id")


def create_org_unit(name, parent, category, actor=None):
    if parent is None and actor is not None:
        if not scope_paths(actor, ORG_ADMIN):
            raise NotAllowed()  # the permission first: only an org_admin hears about parents
        # Grants reach down a subtree only: nobody would administer a new root, so it
        # would be a unit its creator cannot use. Roots come from set-up (actor None).
        raise Invalid(_l("Choose a parent unit."), fields={"parent_id": "required"})
    if parent is not None and actor is not None and not administers(actor, parent):
        raise NotAllowed()
    unit = OrgUnit(name=require_text("name", name, 120), parent=parent,
                   category=(category or "").strip()[:60])
    db.session.add(unit)
    db.session.flush()
    unit.path = f"{parent.path if parent else '/'}{unit.id}/"
    record("org_unit", unit.id, "create", actor=actor, data={"name": unit.name})
    return unit


def create_user(actor=None, *, username, password, display_name, org_unit, roles=(),
                email="", phone="", supervisor=None, **work_app_ids):
    if actor is not None and not administers(actor, org_unit):
        raise NotAllowed()
    _check_new_user(username, password, roles)
    user = User(username=username.strip(), password_hash=hash_password(password),
                display_name=require_text("display_name", display_name, 120),
                email=(email or "").strip(), phone=(phone or "").strip(),
                org_unit=org_unit, supervisor=supervisor, **clean_work_app_ids(work_app_ids))
    user.grants = [RoleGrant(role=r, org_unit=org_unit) for r in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.flush()
    record("user", user.id, "create", actor=actor,
           data={"username": user.username, "roles": list(roles), "org_unit_id": org_unit.id})
    return user


def clean_work_app_ids(values):
    """{field: id} for the DingTalk/WeCom user ids given (None: leave as it is); "" is
    none; a malformed id is refused (Invalid names the field)."""
    out, errors = {}, {}
    for field, value in values.items():
        if field not in WORK_APP_ID_FIELDS:
            raise TypeError(f"unexpected argument {field!r}")
        if value is None:
            continue
        out[field] = (value or "").strip()
        if out[field] and not WORK_APP_ID.match(out[field]):
            errors[field] = "work_app_id"
    if errors:
        raise Invalid(fields=errors)
    return out


def _check_new_user(username, password, roles):
    errors = {}
    if not username or not username.strip() or len(username) > 80:
        errors["username"] = "required"
    elif db.session.scalar(select(func.count()).where(User.username == username.strip())):
        errors["username"] = "taken"
    if not password or len(password) < MIN_PASSWORD:
        errors["password"] = "too_short"
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = "unknown:" + ",".join(map(str, unknown))
    if errors:
        raise Invalid(fields=errors)


def get_unit(unit_id):
    unit = db.session.get(OrgUnit, unit_id) if unit_id is not None else None
    if unit is None:
        raise NotFound()
    return unit


def holders_of(role, unit):
    """Users holding `role` over `unit` (granted on the unit or any ancestor).

    Kept for the transaction (a batch, a fan-out, a reminder job asks the same question
    for many items of one unit); forgotten when it ends or when people or grants change.
    """
    prefetch_holders(role, [unit])
    return list(transaction_cache.cache(db.session, HOLDERS_KEY)[(role, unit.path)])


def prefetch_holders(role, units):
    """`holders_of(role, unit)` for many units with one query, into the same cache."""
    held = transaction_cache.cache(db.session, HOLDERS_KEY)
    lineages = {u.path: _lineage(u) for u in units if (role, u.path) not in held}
    if not lineages:
        return
    granted = {}
    for user, unit_id in _grants(role, set().union(*lineages.values())):
        granted.setdefault(unit_id, []).append(user)
    for path, lineage in lineages.items():
        found = {u.id: u for unit_id in lineage for u in granted.get(unit_id, ())}
        held[(role, path)] = sorted(found.values(), key=lambda u: u.id)


HOLDERS_KEY = transaction_cache.register("role_holders", User, RoleGrant, OrgUnit)


@event.listens_for(Session, "do_orm_execute")
def _forget_on_bulk_change(state):
    # A Core/bulk INSERT, UPDATE or DELETE of people or grants (imports, deactivation).
    if state.is_insert or state.is_update or state.is_delete:
        table = getattr(state.statement, "table", None)
        if table is None or table.name in PEOPLE_TABLES:
            transaction_cache.forget(state.session, HOLDERS_KEY)


PEOPLE_TABLES = {"user_account", "role_grant", "org_unit"}


def _lineage(unit):
    """The unit and its ancestors: the ids on its materialised path ("/1/1106/1205/")."""
    return [int(part) for part in unit.path.strip("/").split("/") if part] or [unit.id]


def _grants(role, unit_ids):
    """(user, unit id) of the active holders of `role` on `unit_ids`: an IN on the
    (role, org_unit_id) index (matching every grant's unit path by LIKE read them all)."""
    query = (select(User, RoleGrant.org_unit_id).join(RoleGrant, RoleGrant.user_id == User.id)
             .where(RoleGrant.role == role, RoleGrant.org_unit_id.in_(unit_ids), User.active))
    # Who holds a role is asked to tell or count them, not to check their own grants.
    return db.session.execute(query.options(lazyload(User.grants))).all()


def subtree_units(unit):
    return db.session.scalars(select(OrgUnit).where(OrgUnit.path.like(unit.path + "%"))).all()


def update_unit(actor, unit, name, category):
    """Rename a unit or change its category (类别, used by category rankings)."""
    if not administers(actor, unit):
        raise NotAllowed()
    before = {"name": unit.name, "category": unit.category}
    unit.name = require_text("name", name, 120)
    unit.category = (category or "").strip()[:60]
    record("org_unit", unit.id, "update", actor=actor,
           data={"before": before, "name": unit.name, "category": unit.category})
    return unit


def update_user(actor, user, *, display_name, email="", phone="", roles=(), supervisor=None,
                active=True, **work_app_ids):
    """Change a person's details, the roles held on their own unit and their supervisor.

    Grants on other units stay as they are; only an admin over the person's unit (and
    over the supervisor's) may do this, and nobody changes their own roles.
    """
    if not administers(actor, user.org_unit) or (
            supervisor is not None and not administers(actor, supervisor.org_unit)):
        raise NotAllowed()
    _check_update(actor, user, roles, supervisor)
    for field, value in clean_work_app_ids(work_app_ids).items():
        setattr(user, field, value)
    user.display_name = require_text("display_name", display_name, 120)
    user.email, user.phone = (email or "").strip()[:255], (phone or "").strip()[:32]
    user.supervisor, user.active = supervisor, bool(active)
    own = [g for g in user.grants if g.org_unit_id == user.org_unit_id]
    keep = [g for g in user.grants if g.org_unit_id != user.org_unit_id]
    user.grants = keep + [next((g for g in own if g.role == r), None)
                          or RoleGrant(role=r, org_unit=user.org_unit)
                          for r in dict.fromkeys(roles)]
    record("user", user.id, "update", actor=actor, data={
        "roles": sorted(set(roles)), "supervisor_id": supervisor.id if supervisor else None,
        "active": user.active})
    return user


def _check_update(actor, user, roles, supervisor):
    errors = {}
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        errors["roles"] = "unknown:" + ",".join(map(str, unknown))
    if supervisor is not None and _supervises(user, supervisor):
        errors["supervisor"] = "supervisor_loop"
    held = {g.role for g in user.grants if g.org_unit_id == user.org_unit_id}
    if actor.id == user.id and set(roles) != held:
        errors["roles"] = "own_roles"
    if errors:
        raise Invalid(fields=errors)


def _supervises(user, candidate):
    """Whether `user` is `candidate` or above them in the supervisor chain (a loop)."""
    seen, current = set(), candidate
    while current is not None and current.id not in seen:
        if current.id == user.id:
            return True
        seen.add(current.id)
        current = current.supervisor
    return False

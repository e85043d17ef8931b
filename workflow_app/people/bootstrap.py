"""First-run helpers: the root unit and the first administrator."""

from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.services import create_org_unit, create_user


def root_unit(name):
    root = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None))
                             .order_by(OrgUnit.id).limit(1))
    return root or create_org_unit(name, None, "")


def ensure_admin(username, password, unit_name="组织部"):
    unit = root_unit(unit_name)
    return create_user(None, username=username, password=password, display_name=username,
                       org_unit=unit, roles=[ORG_ADMIN])

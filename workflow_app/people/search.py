"""Search by name on the admin pages: units and people under the admin's org_admin grants.

A plain case-insensitive "contains" on the name (and the username for people), with a
bounded number of results: enough to find someone in a county without listing it all.
"""

from sqlalchemy import func, or_, select

from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths

SEARCH_LIMIT = 50
MAX_QUERY = 60


def clean_query(text):
    """The search text as typed, trimmed and bounded ("" when there is none)."""
    return (text or "").strip()[:MAX_QUERY]


def contains(column, q):
    """Case-insensitive `column` contains `q`, with % and _ taken literally."""
    return func.lower(column).contains(q.lower(), autoescape=True)


def _under(user):
    paths = scope_paths(user, ORG_ADMIN)
    return or_(*[OrgUnit.path.like(p + "%") for p in paths]) if paths else None


def find_units(user, q, limit=SEARCH_LIMIT):
    """Units under the user's grants whose name contains `q`, in tree order."""
    under = _under(user)
    if not q or under is None:
        return []
    return db.session.scalars(select(OrgUnit).where(under, contains(OrgUnit.name, q))
                              .order_by(OrgUnit.path).limit(limit)).all()


def find_people(user, q, limit=SEARCH_LIMIT):
    """People in units under the user's grants whose name or username contains `q`."""
    under = _under(user)
    if not q or under is None:
        return []
    return db.session.scalars(
        select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(under, or_(contains(User.display_name, q), contains(User.username, q)))
        .order_by(User.display_name, User.username).limit(limit)).all()


def find_people_or_unit(user, q, limit=SEARCH_LIMIT):
    """Like find_people, and also everyone in a unit whose name contains `q` (a picker:
    "东街" finds the people of 东街社区)."""
    under = _under(user)
    if not q or under is None:
        return []
    return db.session.scalars(
        select(User).join(OrgUnit, OrgUnit.id == User.org_unit_id)
        .where(under, User.active, or_(contains(User.display_name, q),
                                       contains(User.username, q), contains(OrgUnit.name, q)))
        .order_by(OrgUnit.path, User.display_name, User.username).limit(limit)).all()


def matching(labelled, q, keep=()):
    """[(value, label)] pairs whose label contains `q`, plus those in `keep` (already chosen)."""
    if not q:
        return list(labelled)
    q = q.lower()
    kept = {str(k) for k in keep}
    return [(v, label) for v, label in labelled if q in str(label).lower() or str(v) in kept]

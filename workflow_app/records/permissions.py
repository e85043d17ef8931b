"""Who may read a cadre's record: one function for the page, the PDF, the API and the
links in templates.

The record gathers years of results, so it is for the people who answer for the cadre:
the cadre themself; their superiors, i.e. anyone above them in the supervisor chain
(上级领导, the supervisor's own supervisor …) and the party secretary over their
current unit; the organisation department (org_admin) and the auditor over that unit.
A committee member (两委会 / assessment panel) reviews a quarter, not a career: they do
not read it, nor does a colleague or anyone outside the unit's subtree.
"""

from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.roles import SECRETARY, SUPERVISOR
from workflow_app.people.scope import holds_over, reads_all_of

# A supervisor chain longer than this is a data error; no real hierarchy is this deep.
MAX_CHAIN = 32


def can_view_record(viewer, cadre):
    if viewer is None or cadre is None or not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == cadre.id:
        return True
    unit = cadre.org_unit
    if reads_all_of(viewer, unit) or holds_over(viewer, SECRETARY, unit):
        return True
    return viewer.has_role(SUPERVISOR) and in_supervisor_chain(viewer, cadre)


def is_staff_reader(viewer, cadre):
    """org_admin or auditor over the cadre's unit, and not the cadre: reads the team part."""
    return viewer.id != cadre.id and reads_all_of(viewer, cadre.org_unit)


def in_supervisor_chain(viewer, cadre):
    """Whether `viewer` is the cadre's supervisor or above them (loops stop the walk)."""
    seen, current_id = {cadre.id}, cadre.supervisor_id
    while current_id is not None and current_id not in seen and len(seen) <= MAX_CHAIN:
        if current_id == viewer.id:
            return True
        seen.add(current_id)
        above = db.session.get(User, current_id)
        current_id = above.supervisor_id if above is not None else None
    return False

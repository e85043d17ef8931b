"""Who records stars and who sees a board (issue 14 point 2).

Recording: an org_admin whose subtree holds the unit, or the unit's secretary (a
secretary grant on the unit or above it). Nobody records stars for themselves.
Seeing: by default (SHOWCASE_VISIBILITY=members) the unit's members, i.e. the people
whose own unit is the board's unit or inside it, and the unit's superiors in scope
(whoever records, reviews or audits there); with "staff", only the latter. Never the
public, never another unit.
"""

from workflow_app.people.roles import COMMITTEE, SECRETARY, SUPERVISOR
from workflow_app.people.scope import administers, holds_over, reads_all_of
from workflow_app.showcase.rules import visibility

SUPERIOR_ROLES = (SUPERVISOR, COMMITTEE, SECRETARY)


def can_record_stars(user, unit):
    return bool(getattr(user, "is_authenticated", False)) and (
        administers(user, unit) or holds_over(user, SECRETARY, unit))


def is_superior(user, unit):
    return reads_all_of(user, unit) or any(holds_over(user, r, unit) for r in SUPERIOR_ROLES)


def is_member(user, unit):
    return unit.contains(user.org_unit)


def can_see_board(user, unit):
    if unit is None or not getattr(user, "is_authenticated", False):
        return False
    if is_superior(user, unit):
        return True
    return visibility() == "members" and is_member(user, unit)

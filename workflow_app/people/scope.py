"""Scope: which org units a role reaches. Roles are granted on a unit and reach its subtree."""

from workflow_app.people.roles import AUDITOR, ORG_ADMIN


def holds_over(user, role, unit):
    """True when `user` holds `role` on `unit` or one of its ancestors."""
    return unit is not None and any(
        g.role == role and unit.path.startswith(g.org_unit.path) for g in user.grants
    )


def administers(user, unit):
    return holds_over(user, ORG_ADMIN, unit)


def reads_all_of(user, unit):
    """org_admins and auditors read everything under their units."""
    return administers(user, unit) or holds_over(user, AUDITOR, unit)


def scope_paths(user, *roles):
    """Path prefixes of the units where `user` holds any of `roles` (for queries)."""
    return sorted({g.org_unit.path for g in user.grants if g.role in roles})

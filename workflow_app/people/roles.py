"""Role codes of DESIGN.md §1. A role is always held for an org unit's subtree."""

CADRE = "cadre"
SUPERVISOR = "supervisor"
COMMITTEE = "committee"
SECRETARY = "secretary"
ORG_ADMIN = "org_admin"
RATER = "rater"
AUDITOR = "auditor"

ROLES = (CADRE, SUPERVISOR, COMMITTEE, SECRETARY, ORG_ADMIN, RATER, AUDITOR)

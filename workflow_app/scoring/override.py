"""Grade overrides by the organisation department: a reason, an audit entry, and the
quota still holds. A veto (一票否决) cannot be overridden upwards."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app import limits
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import relations
from workflow_app.assessments.services import versioned_move
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Conflict, Invalid, NotAllowed, StaleVersion, WrongState
from workflow_app.extensions import db
from workflow_app.scoring.grading import merged_config, quota_of
from workflow_app.scoring.teams import joint_liability_config, liable_units
from workflow_app.validation import require_text

GRADED = ("approved", "published", "disputed", "final", "appealed")
SETTLED_FLAGS = ("tie_at_quota_boundary", "over_quota")


class QuotaExceeded(Conflict):
    code = "quota_exceeded"
    default_message = _l("This grade's quota in the unit is already used up.")


def can_override(user, assessment):
    return "org_admin" in relations(user, assessment)


def override_grade(assessment, actor, *, grade, reason, version=None, now=None,
                   client_addr=""):
    if not can_override(actor, assessment):
        raise NotAllowed()
    if version is not None and int(version) != assessment.version:
        raise StaleVersion()
    if assessment.state != "approved" or assessment.grade is None:
        raise WrongState(_l("Only graded assessments not yet published can be overridden."))
    names = [g["grade"] for g in _config(assessment)["grades"]]
    reason = require_text("reason", reason, limits.REASON)
    if grade not in names:
        raise Invalid(fields={"grade": "unknown"})
    _check_veto(assessment, names, grade)
    _check_quota(assessment, names, grade)
    old = assessment.grade
    versioned_move(assessment, assessment.state, actor, {"org_admin"},
                   as_utc(now) if now else utcnow(), "override",
                   {"reason": reason, "from_grade": old, "to_grade": grade}, client_addr)
    assessment.grade = grade
    assessment.flags = [f for f in assessment.flags if f not in SETTLED_FLAGS] + ["override"]
    return assessment


def _config(assessment):
    return merged_config(assessment.cycle.grading, assessment.cycle.kind)


def _check_veto(assessment, names, grade):
    if "veto" in (assessment.flags or []) and names.index(grade) < len(names) - 1:
        raise Invalid(_l("A veto (一票否决) caps this result at the lowest grade."),
                      fields={"grade": "vetoed"})


def _check_quota(assessment, names, grade):
    spec = _config(assessment)["grades"][names.index(grade)]
    if "quota" not in spec:
        return
    unit = db.session.execute(select(Assessment.id, Assessment.grade).where(
        Assessment.cycle_id == assessment.cycle_id,
        Assessment.org_unit_id == assessment.org_unit_id)).all()
    factor = 1
    if assessment.org_unit_id in liable_units(assessment.cycle_id):  # cut at grading
        factor = joint_liability_config(_config(assessment))["quota_factor"]
    allowed = quota_of(spec["quota"], factor, len(unit))
    taken = sum(1 for row in unit if row.grade == grade and row.id != assessment.id)
    if taken + 1 > allowed:
        raise QuotaExceeded()

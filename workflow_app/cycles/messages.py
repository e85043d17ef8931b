"""Field messages for the codes the cycle checks add, merged into the shared table."""

from flask_babel import lazy_gettext as _l

from workflow_app.messages import FIELD_MESSAGES

CYCLE_FIELD_MESSAGES = {
    "overlap": _l("Another cycle of the same period already covers one of these units "
                  "or a unit above or below them."),
    "in_past": _l("This time has already passed."),
    "wrong_kind": _l("This workflow does not fit the kind of cycle (the annual workflow for "
                     "years, the community monthly one for months, the community quarterly "
                     "one for quarters)."),
    "not_a_stage": _l("This workflow has no such review stage."),
    "unknown_category": _l("No unit of this cycle has that category."),
    "threshold_range": _l("Enter a score from 0 to 100."),
    "not_decreasing": _l("Each grade's minimum score must be lower than the grade above it."),
    "quota_range": _l("The quota must be from 0 to 100 % (in the API: a share from 0 to 1)."),
    "wrong_grades": _l("The grades must be the kind's own, from the best to the lowest."),
}

# One table for describe_fields() and the forms: cycles add their codes without editing it.
FIELD_MESSAGES.update(CYCLE_FIELD_MESSAGES)

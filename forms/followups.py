"""Follow-up forms: opening one for a candidate, recording the meeting or talk, adding a
rectification measure, marking it done and closing. Services check everything; each
refusal comes back beside its field with what was typed kept."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from forms.assessments import ErrorsFromService
from forms.cycles import choices
from workflow_app import limits

KIND_LABELS = {
    "democratic_life_meeting": _l("Special democratic life meeting (专题民主生活会)"),
    "reminder_talk": _l("Reminder talk (提醒谈话)"),
    "principal_talk": _l("Talk with the principal leader (约谈主要负责人)"),
}
REASON_LABELS = {"bottom_ranked": _l("Ranked last"), "joint_liability": _l("Joint liability"),
                 "other": _l("Other")}
DATE_ATTRS = {"type": "date"}


def _text(label, limit, rows=4, description=""):
    return TextAreaField(label, description=description,
                         render_kw={"rows": rows, "maxlength": limit, "data-limit": limit})


class OpenFollowUpForm(ErrorsFromService, FlaskForm):
    """One candidate's row: the person (`user_id`) or the unit (`org_unit_id`)."""
    user_id = HiddenField()
    org_unit_id = HiddenField()
    kind = SelectField(_l("Follow-up"), choices=choices(KIND_LABELS.items()))
    held_on = StringField(_l("Date held"), description=_l("May be set later."),
                          render_kw=DATE_ATTRS)


class FollowUpForm(ErrorsFromService, FlaskForm):
    held_on = StringField(_l("Date held"), render_kw=DATE_ATTRS)
    problems = _text(_l("Problems found (查摆的问题)"), limits.REPORT_TEXT)
    version = HiddenField()


class MeasureForm(ErrorsFromService, FlaskForm):
    text = _text(_l("Rectification measure (整改措施)"), limits.NOTE, rows=2)
    owner_id = SelectField(_l("Owner (责任人)"))
    due_on = StringField(_l("Due on"), render_kw=DATE_ATTRS)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.owner_id.choices = choices([("", "—"), *people])


class MeasureDoneForm(ErrorsFromService, FlaskForm):
    note = _text(_l("What was done"), limits.NOTE, rows=2)


class CloseForm(ErrorsFromService, FlaskForm):
    outcome = _text(_l("Outcome"), limits.REPORT_TEXT, rows=3,
                    description=_l("Required to close the follow-up."))
    version = HiddenField()

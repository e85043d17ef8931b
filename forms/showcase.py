"""业绩晾晒 forms: recording stars, 减星, withdrawing a 减星, choosing a week.

Choices (the board's subjects, the star range) come in through the constructor; the
services check everything and the refusals land beside the fields (ErrorsFromService).
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField

from forms.assessments import ErrorsFromService
from forms.cycles import choices
from workflow_app.security.inputs import to_int
from workflow_app.showcase.models import NOTE_LIMIT, REASON_LIMIT
from workflow_app.showcase.rules import DEDUCTION_KINDS, DIMENSIONS

DATE_ATTRS = {"type": "date"}


def _subject_field():
    return SelectField(_l("Person or department"))


def _dimension_field():
    return SelectField(_l("Dimension"), choices=choices([("", "—"), *DIMENSIONS.items()]))


def _date_field():
    return StringField(_l("Counts on"), description=_l("A day of this period; empty: today"),
                       render_kw=DATE_ATTRS)


class _BoardForm(ErrorsFromService, FlaskForm):
    def __init__(self, *args, subjects=(), stars=range(0), **kwargs):
        super().__init__(*args, **kwargs)
        self.subject.choices = choices([("", "—"), *subjects])
        self.stars.choices = choices([(n, str(n)) for n in stars])

    def subject_ref(self):
        """("person" | "department", id or None) from "person:12"."""
        kind, _, number = (self.subject.data or "").partition(":")
        return kind, to_int(number)


class StarsForm(_BoardForm):
    subject = _subject_field()
    dimension = _dimension_field()
    stars = SelectField(_l("Stars earned this period"))
    on = _date_field()
    note = StringField(_l("Note"), description=_l("For example: 完成全年招商任务"),
                       render_kw={"maxlength": NOTE_LIMIT})


class DeductionForm(_BoardForm):
    subject = _subject_field()
    dimension = _dimension_field()
    stars = SelectField(_l("Stars to take away"))
    kind = SelectField(_l("Why"), choices=choices([("", "—"), *DEDUCTION_KINDS.items()]))
    on = _date_field()
    reason = StringField(_l("Reason"), description=_l("Shown on the board and in the weekly "
                                                      "bulletin"),
                         render_kw={"maxlength": REASON_LIMIT})


class WithdrawForm(ErrorsFromService, FlaskForm):
    reason = StringField(_l("Reason for withdrawing"), render_kw={"maxlength": REASON_LIMIT})

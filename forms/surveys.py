"""Satisfaction survey forms: the public answer, and the staff's links and spot checks."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from forms.assessments import ErrorsFromService
from workflow_app import limits
from workflow_app.security.inputs import to_int
from workflow_app.surveys.models import CHOICES
from workflow_app.surveys.services import MAX_COMMENT, MAX_TOKENS

CHOICE_LABELS = {
    "satisfied": _l("Satisfied"),
    "basically_satisfied": _l("Basically satisfied"),
    "dissatisfied": _l("Dissatisfied"),
}
CHANNEL_LABELS = {"qr": _l("QR codes to print"), "sms": _l("Links to send by SMS")}
COUNT_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "class": "score"}


class SurveyAnswerForm(ErrorsFromService, FlaskForm):
    choice = RadioField(_l("How satisfied are you with this cadre's work?"),
                        choices=[SelectChoice(c, CHOICE_LABELS[c]) for c in CHOICES],
                        validate_choice=False)
    comment = TextAreaField(_l("Comments and suggestions"),
                            description=_l("Optional. Please do not write your name."),
                            render_kw={"rows": 3, "maxlength": MAX_COMMENT})

    def answers(self):
        return {"choice": self.choice.data or "", "comment": self.comment.data or ""}


class IssueTokensForm(ErrorsFromService, FlaskForm):
    count = StringField(_l("Number of links"), description=_l("1 to %(n)d", n=MAX_TOKENS),
                        render_kw=COUNT_ATTRS)
    channel = SelectField(_l("For"),
                          choices=[SelectChoice(k, v) for k, v in CHANNEL_LABELS.items()])

    def number(self):
        value = (self.count.data or "").strip()
        number = to_int(value, 0, 10**6)
        return value if number is None else number


class SpotCheckForm(ErrorsFromService, FlaskForm):
    satisfied = StringField(CHOICE_LABELS["satisfied"], render_kw=COUNT_ATTRS)
    basically_satisfied = StringField(CHOICE_LABELS["basically_satisfied"],
                                      render_kw=COUNT_ATTRS)
    dissatisfied = StringField(CHOICE_LABELS["dissatisfied"], render_kw=COUNT_ATTRS)
    note = TextAreaField(_l("Note"), description=_l("Optional: who called, when, how many "
                                                    "could not be reached."),
                         render_kw={"rows": 2, "maxlength": limits.NOTE})

    def count_fields(self):
        return [self[c] for c in CHOICES]

    def counts(self):
        return {c: _number(self[c].data) for c in CHOICES}


def _number(value):
    value = (value or "").strip()
    if not value:
        return 0
    number = to_int(value, 0, 10**6)
    return value if number is None else number

"""360-degree rating forms: the rating itself, and the org_admin's rater list.

The forms carry what was typed; the services in workflow_app/scoring/ratings.py
decide what is valid, and `apply_errors` shows their field codes next to the fields.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from forms.assessments import SCORE_ATTRS, ErrorsFromService
from workflow_app.assessments.report import DIMENSION_LABELS
from workflow_app.scoring.ratings_models import DIMENSIONS, RATER_GROUPS
from workflow_app.security.inputs import to_int

GROUP_LABELS = {
    "superior": _l("Superiors"),
    "peer": _l("Peers"),
    "subordinate": _l("Subordinates"),
    "public": _l("Party members and the public"),
}


def _score(label):
    return StringField(label, description=_l("0 to 100"), render_kw=SCORE_ATTRS)


class RatingForm(ErrorsFromService, FlaskForm):
    de = _score(DIMENSION_LABELS["de"])
    neng = _score(DIMENSION_LABELS["neng"])
    qin = _score(DIMENSION_LABELS["qin"])
    ji = _score(DIMENSION_LABELS["ji"])
    lian = _score(DIMENSION_LABELS["lian"])

    def score_fields(self):
        return [self[d] for d in DIMENSIONS]

    def scores(self):
        return {d: (self[d].data or "").strip() for d in DIMENSIONS}


class AddRaterForm(ErrorsFromService, FlaskForm):
    """Add one rater by username. `groups`: the groups this cycle weighs."""

    username = StringField(_l("Username of the rater"),
                           render_kw={"autocomplete": "off", "autocapitalize": "none",
                                      "maxlength": 80})
    group = SelectField(_l("Rater group"))

    def __init__(self, *args, groups=RATER_GROUPS, **kwargs):
        super().__init__(*args, **kwargs)
        self.group.choices = [SelectChoice(g, GROUP_LABELS[g]) for g in groups]


class RaterForm(FlaskForm):
    """One rater row's button (remove); CSRF only besides the rater id."""

    rater_id = HiddenField()

    def rater(self):
        return to_int(self.rater_id.data)


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token (add the suggested raters, create …)."""


class DeadlineForm(ErrorsFromService, FlaskForm):
    """The last day of a rating round (empty: no closing date)."""

    closes_on = StringField(_l("Last day of rating"), description=_l(
        "Raters can rate until the end of this day (Beijing time); those who have not rated "
        "are reminded a few working days before. Leave empty for no closing date."),
        render_kw={"type": "date"})

"""Forms: an indicator's task ownership and linkage settings; one unit's own weights; the
counties' completion rates of a linked indicator. The weights and the rates are one input
per item or county, read by name (`w-<item id>`, `rate-<unit id>`) beside these fields."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, TextAreaField

from forms.assessments import ErrorsFromService
from forms.cycles import POINTS_ATTRS, _checkboxes, choices
from workflow_app import limits

AVERAGE_LABELS = {"mean": _l("Plain mean of the counties"),
                  "weighted": _l("Weighted by each county's weight of this indicator")}
MODE_LABELS = {"replace": _l("Replaces that many points of the review score"),
               "add": _l("Added to the score")}


class OwnershipForm(ErrorsFromService, FlaskForm):
    lead_unit_id = SelectField(_l("Lead unit (牵头单位)"))
    lead_cadre = StringField(_l("Cadre in overall charge (总负责, login name)"),
                             description=_l("A cadre managed by the city (市管干部)."),
                             render_kw={"maxlength": 80, "autocomplete": "off"})
    responsible_unit_ids = _checkboxes(_l("Responsible units (责任单位)"))
    linkage_weight = StringField(
        _l("Linkage weight (连带考核, points)"), render_kw=POINTS_ATTRS,
        description=_l("Points of the lead unit's score fed by the counties' completion of "
                       "this indicator; empty: not linked."))
    linkage_average = SelectField(_l("Counties' completion averaged as"),
                                  choices=choices(AVERAGE_LABELS.items()))
    linkage_mode = SelectField(_l("The linkage points"), choices=choices(MODE_LABELS.items()))

    def __init__(self, *args, units=(), **kwargs):
        """`units`: [(id, name)] of the units the admin may name."""
        super().__init__(*args, **kwargs)
        self.lead_unit_id.choices = choices([("", "—"), *units])
        self.responsible_unit_ids.choices = choices(units)

    def _field_for(self, name):
        return self._fields.get("lead_cadre" if name == "lead_cadre_id" else name)


class UnitWeightsForm(ErrorsFromService, FlaskForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 2, "maxlength": limits.REASON},
                           description=_l("Why this unit differs (e.g. its function)."))

    def _field_for(self, name):
        return self._fields.get(name)


class CompletionsForm(ErrorsFromService, FlaskForm):
    item_id = HiddenField()
    note = TextAreaField(_l("Note (source of the figures)"),
                         render_kw={"rows": 2, "maxlength": limits.REASON})

    def _field_for(self, name):
        return self._fields.get(name)

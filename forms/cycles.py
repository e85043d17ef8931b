"""The cycle set-up form (考核周期设置).

The form only carries what the administrator typed; cycles.validation checks it
(the same checks as the JSON API) and `apply_errors` shows the field codes next
to the inputs. Choices (units, categories, workflows) come in through the
constructor.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from forms.assessments import ErrorsFromService
from workflow_app.assessments.labels import STATE_LABELS
from workflow_app.clock import as_utc
from workflow_app.cycles.models import COMMITTEE_RULES
from workflow_app.workcalendar import LOCAL_TZ

KIND_LABELS = {"quarterly": _l("Quarterly"), "annual": _l("Annual")}
RULE_LABELS = {"any": _l("One member approves"), "majority": _l("A majority approves"),
               "all": _l("Every member approves")}
WORKFLOW_LABELS = {"quarterly": _l("Quarterly: supervisor, committee, secretary"),
                   "annual": _l("Annual review"),
                   "community_quarterly": _l("Community workers: committee, secretary, "
                                             "contact leader")}
SLA_STATES = ("supervisor_review", "committee_review", "secretary_approval", "leader_review")
DAYS_ATTRS = {"inputmode": "numeric", "autocomplete": "off", "class": "days"}
DATETIME_ATTRS = {"type": "datetime-local"}


def choices(pairs):
    return [SelectChoice(str(value), label) for value, label in pairs]


def _checkboxes(label, description=""):
    return SelectMultipleField(label, description=description, coerce=str,
                               widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())


WORKING_DAYS = _l("Working days")


def _days(label, description=WORKING_DAYS):
    return StringField(label, description=description, render_kw=DAYS_ATTRS)


class CycleForm(ErrorsFromService, FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": 200})
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "class": "days"})
    quarter = SelectField(_l("Quarter"), choices=choices([("", "—"), *((q, q)
                                                                      for q in range(1, 5))]))
    workflow = SelectField(_l("Workflow"))
    org_unit_ids = _checkboxes(_l("Org units in scope"),
                               _l("Every cadre in these units and the units below them."))
    opens_at = StringField(_l("Window opens"), description=_l("Beijing time"),
                           render_kw=DATETIME_ATTRS)
    submit_deadline = StringField(_l("Submit deadline"), description=_l("Beijing time"),
                                  render_kw=DATETIME_ATTRS)
    committee_stage = BooleanField(_l("Committee stage"))
    committee_categories = _checkboxes(
        _l("Committee stage only for these unit categories"),
        _l("None ticked: the committee stage applies to every unit."))
    committee_scores = BooleanField(_l("The committee gives the score"))
    committee_rule = SelectField(_l("Committee decision"), choices=choices(
        (r, RULE_LABELS[r]) for r in COMMITTEE_RULES))
    supervisor_review = _days(STATE_LABELS["supervisor_review"])
    committee_review = _days(STATE_LABELS["committee_review"])
    secretary_approval = _days(STATE_LABELS["secretary_approval"])
    leader_review = _days(STATE_LABELS["leader_review"])
    publicity_days = _days(_l("Publicity period"))
    appeal_days = _days(_l("Appeal period"))

    def __init__(self, *args, units=(), categories=(), workflows=(), initial=None, **kwargs):
        """`units`: [(id, label)], `categories`: [name], `workflows`: [(key, label)];
        `initial`: service-style data (an existing cycle or a copy) shown when nothing
        was posted."""
        super().__init__(*args, data=_form_data(initial or {}), **kwargs)
        self.org_unit_ids.choices = choices(units)
        self.committee_categories.choices = choices((c, c) for c in categories)
        self.workflow.choices = choices(workflows)

    def sla_fields(self):
        return [self[s] for s in SLA_STATES]

    def payload(self, status):
        """Data for cycles.services.create_cycle / update_cycle."""
        return {
            "name": self.name.data, "kind": self.kind.data, "year": self.year.data,
            "quarter": self.quarter.data or None, "workflow": self.workflow.data,
            "opens_at": self.opens_at.data, "submit_deadline": self.submit_deadline.data,
            "committee_stage": bool(self.committee_stage.data),
            "committee_scores": bool(self.committee_scores.data),
            "committee_rule": self.committee_rule.data,
            "committee_categories": list(self.committee_categories.data or []),
            "stage_sla_days": {s: self[s].data.strip() for s in SLA_STATES
                               if (self[s].data or "").strip()},
            "publicity_days": self.publicity_days.data, "appeal_days": self.appeal_days.data,
            "status": status,
        }

    def unit_ids(self):
        return [int(v) for v in self.org_unit_ids.data or [] if str(v).isdigit()]


def _form_data(data):
    out = {k: v for k, v in data.items() if k not in ("stage_sla_days", "grading")}
    for name in ("opens_at", "submit_deadline"):
        if hasattr(out.get(name), "astimezone"):
            out[name] = as_utc(out[name]).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    out["org_unit_ids"] = [str(i) for i in data.get("org_unit_ids", [])]
    out["quarter"] = str(data["quarter"]) if data.get("quarter") else ""
    for state, days in (data.get("stage_sla_days") or {}).items():
        out[state] = str(days)
    for name in ("year", "publicity_days", "appeal_days"):
        if out.get(name) is not None:
            out[name] = str(out[name])
    return out

"""The cycle set-up form (考核周期设置).

The form only carries what the administrator typed; cycles.validation checks it
(the same checks as the JSON API) and `apply_errors` shows the field codes next
to the inputs. Choices (units, categories, workflows) come in through the
constructor.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from forms.assessments import ErrorsFromService
from forms.grading import (
    GRADE_PREFIX,
    default_grades,
    grade_names,
    grading_fields,
    grading_form_data,
    percent_to_share,
)
from workflow_app import limits
from workflow_app.assessments.labels import STATE_LABELS
from workflow_app.clock import as_utc
from workflow_app.cycles.models import COMMITTEE_RULES
from workflow_app.security.inputs import to_int
from workflow_app.workcalendar import LOCAL_TZ

KIND_LABELS = {"quarterly": _l("Quarterly"), "annual": _l("Annual"),
               "monthly": _l("Monthly"), "half_year": _l("Half-year")}
HALF_LABELS = {1: _l("First half (上半年)"), 2: _l("Second half (下半年)")}
RULE_LABELS = {"any": _l("One member approves"), "majority": _l("A majority approves"),
               "all": _l("Every member approves")}
WORKFLOW_LABELS = {"quarterly": _l("Quarterly: supervisor, committee, secretary"),
                   "annual": _l("Annual review"),
                   "community_quarterly": _l("Community workers: committee, secretary, "
                                             "contact leader"),
                   "community_monthly": _l("Community workers, monthly self-evaluation: "
                                           "committee, secretary, contact leader")}
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
    name = StringField(_l("Name"), render_kw={"maxlength": limits.NAME})
    kind = SelectField(_l("Kind"), choices=choices(KIND_LABELS.items()))
    year = StringField(_l("Year"), render_kw={"inputmode": "numeric", "class": "days"})
    quarter = SelectField(_l("Quarter"), choices=choices([("", "—"), *((q, q)
                                                                      for q in range(1, 5))]))
    month = SelectField(_l("Month"), description=_l("Monthly cycles only"),
                        choices=choices([("", "—"), *((m, m) for m in range(1, 13))]))
    half = SelectField(_l("Half-year"), description=_l("Half-year cycles only"),
                       choices=choices([("", "—"), *HALF_LABELS.items()]))
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
    publicity_days = _days(_l("Publicity period"), _l(
        "Working days. For a monthly cycle 0 means no publication (公示): the month's results "
        "are filed at once."))
    appeal_days = _days(_l("Appeal period"))
    unit_q = StringField(_l("Find units by name"), render_kw={"maxlength": 60,
                                                            "autocomplete": "off"})

    def __init__(self, *args, units=(), categories=(), workflows=(), initial=None, **kwargs):
        """`units`: [(id, label)], `categories`: [name], `workflows`: [(key, label)];
        `initial`: service-style data (an existing cycle or a copy) shown when nothing
        was posted."""
        super().__init__(*args, data=_form_data(initial or {}), **kwargs)
        # Grading settings the form does not show (team rules, pay tiers) are kept.
        self.grading_base = dict((initial or {}).get("grading") or {})
        self.org_unit_ids.choices = choices(units)
        self.committee_categories.choices = choices((c, c) for c in categories)
        self.workflow.choices = choices(workflows)

    def sla_fields(self):
        return [self[s] for s in SLA_STATES]

    def grade_fields(self, kind):
        """[(grade name, minimum-score field or None, quota field or None)] for `kind`."""
        prefix = GRADE_PREFIX[kind]
        return [(name, self._fields.get(f"{prefix}_min_{i}"), self._fields.get(f"{prefix}_quota")
                 if i == 0 else None) for i, name in enumerate(grade_names(kind))]

    def grading_payload(self):
        """The cycle's `grading`: the thresholds and quota typed for the chosen kind."""
        kind = "annual" if self.kind.data == "annual" else "quarterly"
        prefix, base = GRADE_PREFIX[kind], self.grading_base
        kept = base.get("grades") if base.get("grades") and self._kind_of_base == kind else None
        grades = []
        for i, (name, usual) in enumerate(default_grades(kind)):
            grade = {"grade": name, "min": 0}
            if i < len(grade_names(kind)) - 1:  # empty: the usual minimum
                grade["min"] = (self[f"{prefix}_min_{i}"].data or "").strip() or usual["min"]
            if i == 0:
                typed = (self[f"{prefix}_quota"].data or "").strip()
                grade["quota"] = percent_to_share(typed) if typed else usual["quota"]
            elif kept and i < len(kept) and isinstance(kept[i], dict) and "quota" in kept[i]:
                grade["quota"] = kept[i]["quota"]
            grades.append(grade)
        return {**base, "grades": grades}

    @property
    def _kind_of_base(self):
        return self.kind.object_data or "quarterly"

    def _field_for(self, name):
        """"grading.grades.1.min" lands on the second threshold of the chosen kind."""
        parts = name.split(".")
        index = to_int(parts[2], 0, 9) if len(parts) == 4 else None
        if parts[:2] == ["grading", "grades"] and index is not None:
            prefix = GRADE_PREFIX["annual" if self.kind.data == "annual" else "quarterly"]
            key = f"{prefix}_quota" if parts[3] == "quota" else f"{prefix}_min_{parts[2]}"
            return self._fields.get(key)
        if parts[:2] == ["grading", "grades"]:
            return None
        return super()._field_for(name)

    def payload(self, status):
        """Data for cycles.services.create_cycle / update_cycle."""
        return {
            "name": self.name.data, "kind": self.kind.data, "year": self.year.data,
            "quarter": self.quarter.data or None, "month": self.month.data or None,
            "half": self.half.data or None, "workflow": self.workflow.data,
            "opens_at": self.opens_at.data, "submit_deadline": self.submit_deadline.data,
            "committee_stage": bool(self.committee_stage.data),
            "committee_scores": bool(self.committee_scores.data),
            "committee_rule": self.committee_rule.data,
            "committee_categories": list(self.committee_categories.data or []),
            "stage_sla_days": {s: self[s].data.strip() for s in SLA_STATES
                               if (self[s].data or "").strip()},
            "publicity_days": self.publicity_days.data, "appeal_days": self.appeal_days.data,
            "grading": self.grading_payload(), "status": status,
        }

    def unit_ids(self):
        return [n for n in map(to_int, self.org_unit_ids.data or []) if n is not None]


for _name, _field in grading_fields().items():
    setattr(CycleForm, _name, _field)


def _form_data(data):
    out = {k: v for k, v in data.items() if k not in ("stage_sla_days", "grading")}
    for name in ("opens_at", "submit_deadline"):
        if hasattr(out.get(name), "astimezone"):
            out[name] = as_utc(out[name]).astimezone(LOCAL_TZ).strftime("%Y-%m-%dT%H:%M")
    out["org_unit_ids"] = [str(i) for i in data.get("org_unit_ids", [])]
    for period in ("quarter", "month", "half"):
        out[period] = str(data[period]) if data.get(period) else ""
    for state, days in (data.get("stage_sla_days") or {}).items():
        out[state] = str(days)
    for name in ("year", "publicity_days", "appeal_days"):
        if out.get(name) is not None:
            out[name] = str(out[name])
    out.update(grading_form_data(data.get("grading"), data.get("kind")))
    return out


# --- indicator sheets (考核指标) and bonus / penalty entries ---------------------------------

POINTS_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "score"}


class IndicatorItemRow(Form):
    """One row of a sheet: an indicator with a weight, or a bonus / penalty item with a cap."""

    kind = SelectField(_l("Kind"))
    name = StringField(_l("Item"), render_kw={"maxlength": limits.NAME})
    standard = TextAreaField(_l("Standard"), render_kw={"rows": 2, "maxlength": limits.NOTE})
    weight = StringField(_l("Weight"), description=_l("Common and individual indicators"),
                         render_kw=POINTS_ATTRS)
    cap = StringField(_l("Cap (points)"), description=_l("Bonus and penalty items"),
                      render_kw=POINTS_ATTRS)

    def values(self):
        return {"kind": self.kind.data, "name": self.name.data or "",
                "standard": self.standard.data or "", "weight": (self.weight.data or "").strip(),
                "cap": (self.cap.data or "").strip()}


def _item_kinds():
    from workflow_app.cycles.indicators import KIND_LABELS

    return choices(KIND_LABELS.items())


class _RowErrors(ErrorsFromService):
    """Field codes "items.2.weight" land on the third row's weight."""

    def _field_for(self, name):
        parts = name.split(".")
        if parts[0] == "items":
            rows = self["items"].entries
            row = to_int(parts[1], 0, len(rows) - 1) if len(parts) == 3 else None
            if row is not None:
                return rows[row][parts[2]]
            return None
        return self._fields.get(parts[-1])


class IndicatorSheetForm(_RowErrors, FlaskForm):
    category = SelectField(_l("Unit category"), description=_l(
        "The general sheet applies to units whose category has no sheet of its own."))
    name = StringField(_l("Sheet name"), render_kw={"maxlength": 200})
    bonus_cap = StringField(_l("Total bonus cap"), description=_l("Points, for all bonus items "
                                                                  "together"),
                            render_kw=POINTS_ATTRS)
    penalty_cap = StringField(_l("Total penalty cap"), description=_l(
        "Points, for all penalty items together"), render_kw=POINTS_ATTRS)
    items = FieldList(FormField(IndicatorItemRow), min_entries=1, max_entries=40)

    def __init__(self, *args, categories=(), initial=None, **kwargs):
        """`categories`: [(value, label)]; `initial`: service-style sheet data."""
        super().__init__(*args, data=_sheet_form_data(initial or {}), **kwargs)
        self.category.choices = choices(categories)
        for entry in self.items.entries:
            entry.form.kind.choices = _item_kinds()

    def payload(self):
        return {"category": self.category.data or "", "name": self.name.data or "",
                "bonus_cap": (self.bonus_cap.data or "").strip(),
                "penalty_cap": (self.penalty_cap.data or "").strip(),
                "items": [e.form.values() for e in self.items.entries]}

    def drop_empty_rows(self):
        kept = [e for e in self.items.entries if any(
            v for k, v in e.form.values().items() if k != "kind")]
        self.items.entries = kept or self.items.entries[:1]
        self.items.last_index = len(self.items.entries) - 1

    def change_rows(self, action):
        """"add_row:<kind>" or "remove_row:<position>"; nothing is saved."""
        entries = self.items.entries
        verb, _, arg = action.partition(":")
        position = to_int(arg, 0, len(entries) - 1)
        if verb == "remove_row" and position is not None:
            del entries[position]
        elif verb == "add_row" and len(entries) < self.items.max_entries:
            self.items.append_entry({"kind": arg if arg else "common"})
            entries[-1].form.kind.choices = _item_kinds()
        if not entries:
            self.items.append_entry()
            entries[-1].form.kind.choices = _item_kinds()

    def weight_total(self):
        total = 0.0
        for e in self.items.entries:
            try:
                if e.form.kind.data in ("common", "individual"):
                    total += float(e.form.weight.data or 0)
            except ValueError:
                continue
        return f"{total:g}"


def _sheet_form_data(data):
    out = {k: _plain_points(data.get(k)) for k in ("bonus_cap", "penalty_cap")}
    out.update(category=data.get("category", ""), name=data.get("name", ""))
    out["items"] = [{"kind": i.get("kind", "common"), "name": i.get("name", ""),
                     "standard": i.get("standard", ""), "weight": _plain_points(i.get("weight")),
                     "cap": _plain_points(i.get("cap"))} for i in data.get("items") or []]
    return out


def _plain_points(value):
    if value is None or value == "":
        return ""
    text = str(value)
    return text.rstrip("0").rstrip(".") if "." in text else text


class CopySheetForm(ErrorsFromService, FlaskForm):
    category = SelectField(_l("Copy to unit category"))
    name = StringField(_l("Name of the copy"), render_kw={"maxlength": 200})

    def __init__(self, *args, categories=(), **kwargs):
        kwargs.setdefault("prefix", "copy")
        super().__init__(*args, **kwargs)
        self.category.choices = choices(categories)


class AdjustmentForm(ErrorsFromService, FlaskForm):
    """A bonus or penalty entry on one assessment (加分 / 扣分), with its reason."""

    item_id = SelectField(_l("Bonus or penalty item"))
    points = StringField(_l("Points"), description=_l("Within the item's cap"),
                         render_kw=POINTS_ATTRS)
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3, "maxlength": limits.REASON})

    def __init__(self, *args, items=(), **kwargs):
        """`items`: [(id, label)] of the cycle's bonus and penalty items for the unit."""
        super().__init__(*args, **kwargs)
        self.item_id.choices = choices([("", "—"), *items])

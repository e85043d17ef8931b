"""Self-report (实绩报告), review-decision, queue, batch and 回避 forms.

The forms carry what the user typed; the services validate it (report.py,
services.py). `apply_errors` puts a service's Invalid field codes next to the
fields, so the same rules and messages hold for the web UI and the API.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from markupsafe import Markup, escape
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import Select

from workflow_app import limits
from workflow_app.assessments.attachments import SIGNATURES
from workflow_app.assessments.labels import VOTE_LABELS
from workflow_app.assessments.report import (
    DIMENSION_LABELS,
    DIMENSIONS,
    INDICATOR_FIELDS,
    MAX_INDICATORS,
    MAX_TEXT,
)
from workflow_app.messages import field_message
from workflow_app.security.inputs import to_int, to_version

ACCEPT = ",".join("." + ext for ext in SIGNATURES)
SCORE_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "score"}
EXTRA_MESSAGES = {"too_many": _l("Too many rows: at most %(n)d.", n=MAX_INDICATORS),
                  "reason_to_disagree": _l("Please give the reason for disagreeing.")}


def message(code):
    return EXTRA_MESSAGES.get(code.split(":", 1)[0]) or field_message(code)


def _text(label, hint=None, rows=5, limit=MAX_TEXT):
    return TextAreaField(label, description=hint or "", render_kw=_limited(limit, rows=rows))


def _limited(limit, **attrs):
    """No `maxlength` on the report's fields: a browser cuts pasted text at it without a
    word. The page's script counts near the limit; the service refuses longer text."""
    return {**attrs, "data-limit": limit}


def _score(label):
    return StringField(label, description=_l("0 to 100"), render_kw=SCORE_ATTRS)


def _add_error(field, code):
    field.errors = [*field.errors, _too_long(field) if code == "too_long" else message(code)]


def _too_long(field):
    """Say the limit and how much was typed: the text stays whole in the box."""
    limit = (field.render_kw or {}).get("data-limit")
    if not limit:
        return message("too_long")
    return _l("Too long: at most %(limit)d characters, this has %(count)d. Nothing was cut; "
              "please shorten it.", limit=limit, count=len(field.data or ""))


class ErrorsFromService:
    """Mixin: show a service's Invalid.fields ({name: code}) on the form.

    "self_scores.de" lands on the field `de`, "indicators.2.actual" on the third row.
    """

    def apply_errors(self, fields):
        for name, code in fields.items():
            field = self._field_for(name)
            if field is not None:
                _add_error(field, code)
            else:
                self.form_errors.append(message(code))

    def error_summary(self):
        """(field id, label, first error) of every marked field, rows' fields included,
        in the order of the page: the list at the top of a refused form."""
        return [(f.id, label, f.errors[0]) for f, label in self._labelled_fields()
                if f.errors]

    def _labelled_fields(self):
        for f in self:
            if f.type == "FieldList":
                for number, entry in enumerate(f.entries, 1):
                    prefix = _l("Indicator %(n)d", n=number)
                    yield from ((sub, f"{prefix} · {sub.label.text}") for sub in entry.form)
            else:
                yield f, f.label.text

    def _field_for(self, name):
        parts = name.split(".")
        if parts[0] == "indicators" and "indicators" in self._fields:
            rows = self["indicators"].entries
            row = to_int(parts[1], 0, len(rows) - 1) if len(parts) == 3 else None
            if row is not None:
                return rows[row][parts[2]]
            return self["indicators"] if len(parts) == 1 else None
        return self._fields.get(parts[-1])


class IndicatorRow(Form):
    """One assigned indicator: target against what was achieved, and the evidence."""

    name = StringField(_l("Indicator"), render_kw=_limited(INDICATOR_FIELDS["name"]))
    # A target or an achievement is often a sentence or two: boxes that show it whole.
    target = _text(_l("Target"), rows=2, limit=INDICATOR_FIELDS["target"])
    actual = _text(_l("Achieved"), rows=2, limit=INDICATOR_FIELDS["actual"])
    evidence_note = _text(_l("Evidence"), _l("Where the proof is: ledger, document, photo."),
                          rows=2, limit=INDICATOR_FIELDS["evidence_note"])

    def values(self):
        return {name: self[name].data or "" for name in INDICATOR_FIELDS}


class _Blank:
    """Looks like a FieldList entry (`.form`) to the row macro."""

    def __init__(self, form):
        self.form = form


class SelfReportForm(ErrorsFromService, FlaskForm):
    assessment_id = HiddenField()
    draft_version = HiddenField()
    key_work = _text(_l("Key work done this quarter"))
    indicators = FieldList(FormField(IndicatorRow), min_entries=1, max_entries=MAX_INDICATORS)
    indicator_progress = _text(_l("Progress on assigned indicators"),
                               _l("Optional: overall remarks on the indicators."), rows=3)
    most_satisfied = _text(_l("Work I am most satisfied with"))
    least_satisfied = _text(_l("Work I am least satisfied with"))
    self_evaluation = _text(_l("Self-evaluation"),
                            _l("Integrity, ability, diligence, achievement and clean conduct."))
    de = _score(DIMENSION_LABELS["de"])
    neng = _score(DIMENSION_LABELS["neng"])
    qin = _score(DIMENSION_LABELS["qin"])
    ji = _score(DIMENSION_LABELS["ji"])
    lian = _score(DIMENSION_LABELS["lian"])
    evidence = FileField(_l("Add an evidence file"), description=_l(
        "PDF, images (PNG, JPG, GIF, WebP) or office files (Word, Excel, PowerPoint, WPS); "
        "at most 10 MB each."), render_kw={"accept": ACCEPT})

    TEXT_NAMES = ("key_work", "indicator_progress", "most_satisfied", "least_satisfied",
                  "self_evaluation")

    def __init__(self, *args, assessment=None, content=None, draft_version=None, **kwargs):
        """`content`: the saved report, shown when nothing was posted."""
        data = self._initial(assessment, content or {}, draft_version)
        super().__init__(*args, data=data, **kwargs)

    @classmethod
    def _initial(cls, assessment, content, draft_version):
        data = {name: content.get(name, "") for name in cls.TEXT_NAMES}
        scores = content.get("self_scores") or {}
        data.update({d: _plain_number(scores.get(d)) for d in DIMENSIONS})
        data["indicators"] = list(content.get("indicators") or [])
        data["assessment_id"] = assessment.id if assessment is not None else ""
        data["draft_version"] = draft_version or ""
        return data

    monthly = False

    def for_cycle(self, cycle):
        """The monthly variant (月度自评量化赋分表): the month's work, the five self-scores
        and an optional remark; the quarter's other parts are not shown."""
        self.monthly = cycle.kind == "monthly"
        if self.monthly:
            self.key_work.label.text = _l("Work done this month")
            self.self_evaluation.label.text = _l("Remarks on the month (optional)")
        return self

    def text_fields(self):
        if self.monthly:
            return [self.key_work]
        return [self[name] for name in self.TEXT_NAMES if name != "indicator_progress"]

    def score_fields(self):
        return [self[d] for d in DIMENSIONS]

    def drop_empty_rows(self):
        """Wholly empty indicator rows go before validation, as the service drops them."""
        kept = [e for e in self.indicators.entries if any(e.form.values().values())]
        self.indicators.entries = kept
        self.indicators.last_index = len(kept) - 1

    @staticmethod
    def blank_row():
        """An empty row named with a placeholder: the page's script copies it."""
        return _Blank(IndicatorRow(formdata=None, prefix="indicators-__index__-"))

    def change_rows(self, action):
        """"add_row" or "remove_row:<position>"."""
        entries = self.indicators.entries
        position = to_int(action.partition(":")[2], 0, len(entries) - 1)
        if position is not None:
            del entries[position]
        elif action == "add_row" and len(entries) < MAX_INDICATORS:
            self.indicators.append_entry()
        if not entries:
            self.indicators.append_entry()

    def content(self):
        """The report content as the service expects it: text as typed, raw scores."""
        content = {name: self[name].data or "" for name in self.TEXT_NAMES}
        content["self_scores"] = {d: (self[d].data or "").strip() for d in DIMENSIONS}
        content["indicators"] = [e.form.values() for e in self.indicators.entries]
        return content

    def expected_draft(self):
        return to_version(self.draft_version.data)


def _plain_number(value):
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


class DecisionForm(ErrorsFromService, FlaskForm):
    """One review decision. Only the fields the workflow accepts for the event remain.

    `rules` maps parameter name → "required" / "optional" (from the transition).
    """

    comment = TextAreaField(_l("Comment"), render_kw={"rows": 3, "maxlength": limits.COMMENT})
    score = StringField(_l("Score"), description=_l("0 to 100"), render_kw=SCORE_ATTRS)
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3, "maxlength": limits.REASON})
    version = HiddenField()

    PARAMS = ("score", "reason", "comment")  # the order they are shown in

    def __init__(self, *args, event, rules, **kwargs):
        kwargs.setdefault("prefix", event)
        super().__init__(*args, **kwargs)
        self.event, self.rules = event, dict(rules)
        for name in self.PARAMS:
            if not self.rules.get(name):
                del self[name]

    def visible_fields(self):
        return [self[name] for name in self.PARAMS if name in self]

    def required(self, field):
        return self.rules.get(field.short_name) == "required"

    def params(self):
        return {name: (self[name].data if name in self else None) for name in self.PARAMS}

    def version_number(self):
        return to_version(self.version.data)


# 同意 / 不同意 / 弃权
VOTE_CHOICES = [SelectChoice(code, label) for code, label in VOTE_LABELS.items()]


class VoteForm(ErrorsFromService, FlaskForm):
    """A two-committees member's vote: 同意 / 不同意 / 弃权 in one form.

    `score_rule` is the approve transition's score rule ("required", "optional" or None:
    the stage does not score). A reason is required to disagree (the send-back's comment).
    """

    decision = RadioField(_l("Your vote"), choices=VOTE_CHOICES, validate_choice=False)
    score = StringField(_l("Score"), render_kw=SCORE_ATTRS, description=_l(
        "0 to 100; with Agree. The committee's score is the mean of the members' scores."))
    comment = TextAreaField(_l("Reason or remark"), render_kw={
        "rows": 3, "maxlength": limits.COMMENT},
        description=_l("Required when you disagree: the cadre reads it when the item goes "
                       "back."))
    version = HiddenField()

    def __init__(self, *args, score_rule=None, **kwargs):
        kwargs.setdefault("prefix", "vote")
        super().__init__(*args, **kwargs)
        self.score_rule = score_rule
        if not score_rule:
            del self["score"]

    def chosen(self):
        """The chosen vote, or None when nothing (or something unknown) was chosen."""
        value = self.decision.data
        return value if value in VOTE_LABELS else None

    def params(self, event):
        """What the service takes for `event`: a score only with 同意."""
        score = self.score.data if "score" in self and event == "approve" else None
        return {"comment": self.comment.data, "score": score}

    def version_number(self):
        return to_version(self.version.data)


class ConflictForm(ErrorsFromService, FlaskForm):
    """回避: a committee member steps out of an item, giving the reason."""

    reason = TextAreaField(_l("Reason for stepping aside"), render_kw={
        "rows": 2, "maxlength": limits.REASON},
        description=_l("For example a family relation or a working relation."))
    version = HiddenField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "conflict")
        super().__init__(*args, **kwargs)

    def version_number(self):
        return to_version(self.version.data)


class PlainSelect(Select):
    """wtforms' Select with each plain option written by one f-string, the very markup
    `html_params` makes (attributes sorted: `selected` before `value`). The queue's unit
    menu has a hundred options on every page view, and `html_params` per option was most
    of the page's rendering."""

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or not isinstance(choice.value, str):
            return super().render_option(choice, **kwargs)
        selected = "selected " if choice.selected else ""
        label = escape(choice.label or choice.value)
        return Markup(f'<option {selected}value="{escape(choice.value)}">{label}</option>')


class QueueFilterForm(Form):
    """The queue's filters (a GET form: nothing changes, so no CSRF token)."""

    cycle = SelectField(_l("Cycle"), coerce=str, widget=PlainSelect())
    unit = SelectField(_l("Unit"), coerce=str, widget=PlainSelect())
    state = SelectField(_l("State"), coerce=str, widget=PlainSelect())
    overdue = BooleanField(_l("Overdue only"))
    q = StringField(_l("Name contains"), render_kw={"maxlength": 60, "type": "search"})
    sort = SelectField(_l("Sort"), coerce=str, choices=[
        SelectChoice("due", _l("Due date, earliest first")),
        SelectChoice("due_desc", _l("Due date, latest first")),
        SelectChoice("waiting", _l("Waiting longest first"))])

    def __init__(self, formdata, *, cycles, units, states):
        super().__init__(formdata)
        self.offer(cycles, units)
        self.state.choices = _with_all(states)

    def offer(self, cycles, units):
        """The cycle and unit menus ((id, name) pairs): the queue page knows them only
        after its one query, which reads the filters first."""
        self.cycle.choices = _with_all(cycles)
        self.unit.choices = _with_all(units)

    def chosen(self, field):
        """The chosen value, or None when nothing (or something unknown) was chosen."""
        value = field.data or ""
        known = {str(c.value) for c in field.choices}
        return value if value and value in known else None


def _with_all(pairs):
    return [SelectChoice("", _l("All"))] + [SelectChoice(str(v), label) for v, label in pairs]


class BatchForm(ErrorsFromService, FlaskForm):
    """One decision for several selected queue items: "id:version" per checkbox."""

    comment = TextAreaField(_l("Comment for all selected"),
                            render_kw={"rows": 2, "maxlength": limits.COMMENT},
                            description=_l("Required when sending back."))
    score = StringField(_l("Score for all selected"), description=_l(
        "Only where the stage scores; 0 to 100."), render_kw=SCORE_ATTRS)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "batch")
        super().__init__(*args, **kwargs)

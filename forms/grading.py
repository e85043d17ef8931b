"""The grade thresholds and quotas on the cycle form (考核等次与名额).

Both kinds' grades are on the form, each pre-filled with its defaults (or the cycle's
own values); only the set matching the cycle's kind is saved. Quotas are typed as a
percentage and stored as a share (40 % → 0.4), like the API.
"""

from flask_babel import lazy_gettext as _l
from wtforms import StringField

from workflow_app.scoring.grading import ANNUAL_GRADING, DEFAULT_GRADING, merged_config

GRADE_PREFIX = {"quarterly": "q", "annual": "a"}
DEFAULTS = {"quarterly": DEFAULT_GRADING, "annual": ANNUAL_GRADING}
SCORE_ATTRS = {"inputmode": "decimal", "autocomplete": "off", "class": "score"}


def grade_names(kind):
    return [g["grade"] for g in DEFAULTS[kind]["grades"]]


def default_grades(kind):
    """[(name, the usual grade spec)] of `kind`, best first."""
    return [(g["grade"], g) for g in DEFAULTS[kind]["grades"]]


def grading_fields():
    """{field name: field}: a minimum score per grade but the lowest, and the top quota."""
    fields = {}
    for kind, prefix in GRADE_PREFIX.items():
        names = grade_names(kind)
        for i, name in enumerate(names[:-1]):
            fields[f"{prefix}_min_{i}"] = StringField(
                _l("%(grade)s: minimum score", grade=name),
                description=_l("0 to 100, lower than the grade above; empty: the usual"),
                render_kw=SCORE_ATTRS)
        fields[f"{prefix}_quota"] = StringField(
            _l("%(grade)s: at most this percentage of the unit", grade=names[0]),
            description=_l("0 to 100 %, the number allowed is rounded down; empty: the usual"),
            render_kw=SCORE_ATTRS)
    return fields


def _plain(number):
    return f"{round(float(number), 4):g}"


def grading_form_data(grading, kind):
    """Form values: the cycle's own grades for its kind, the defaults for the other."""
    out = {}
    for each, prefix in GRADE_PREFIX.items():
        config = merged_config(grading if each == (kind or "quarterly") else {}, each)
        grades = config.get("grades") or DEFAULTS[each]["grades"]
        for i, grade in enumerate(grades[:-1]):
            if isinstance(grade, dict) and "min" in grade:
                out[f"{prefix}_min_{i}"] = _text(grade["min"])
        top = grades[0] if grades and isinstance(grades[0], dict) else {}
        if "quota" in top:
            out[f"{prefix}_quota"] = _text(top["quota"], 100)
    return out


def _text(value, scale=1):
    try:
        return _plain(float(value) * scale)
    except (TypeError, ValueError):
        return str(value)


def percent_to_share(text):
    """"40" or "40 %" → 0.4; text that is not a number is passed on for the check to name."""
    cleaned = (text or "").strip().rstrip("%％").strip()
    try:
        return round(float(cleaned) / 100, 6)
    except ValueError:
        return (text or "").strip()

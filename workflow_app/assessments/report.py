"""The self-report (实绩报告) content: which fields it has and when it is complete.

Content is stored as JSON so a later version of the form can add fields without a
migration; this module is the one place that says what a complete report is.
"""

from flask_babel import lazy_gettext as _l

from workflow_app import limits
from workflow_app.errors import Invalid

DIMENSIONS = ("de", "neng", "qin", "ji", "lian")
DIMENSION_LABELS = {
    "de": _l("Integrity (de)"), "neng": _l("Ability (neng)"), "qin": _l("Diligence (qin)"),
    "ji": _l("Achievement (ji)"), "lian": _l("Clean conduct (lian)"),
}
TEXT_FIELDS = ("key_work", "indicator_progress", "most_satisfied", "least_satisfied",
               "self_evaluation")
REQUIRED_FIELDS = ("key_work", "most_satisfied", "least_satisfied", "self_evaluation")
# 月度自评量化赋分表 (汶上县): the month's work and a self-score per dimension, nothing more;
# the same content shape, so a month's report is read and diffed like a quarter's.
MONTHLY_REQUIRED = ("key_work",)
MAX_TEXT = limits.REPORT_TEXT
# Progress on each assigned indicator (实绩档案): target vs actual, with an evidence note.
INDICATOR_FIELDS = {"name": 200, "target": 500, "actual": 500, "evidence_note": 2000}
INDICATOR_REQUIRED = ("name", "target", "actual")
MAX_INDICATORS = 30


def clean_content(raw):
    """Keep known fields, trimmed; refuse wrong types and over-long text (422)."""
    if not isinstance(raw, dict):
        raise Invalid(fields={"content": "not_an_object"})
    errors, content = {}, {}
    for name in TEXT_FIELDS:
        value = raw.get(name, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[name] = "not_text"
        elif len(value) > MAX_TEXT:
            errors[name] = "too_long"
        else:
            content[name] = value.strip()
    content["self_scores"] = _clean_scores(raw.get("self_scores") or {}, errors)
    content["indicators"] = _clean_indicators(raw.get("indicators") or [], errors)
    if errors:
        raise Invalid(fields=errors)
    return content


def _clean_scores(raw, errors):
    if not isinstance(raw, dict):
        errors["self_scores"] = "not_an_object"
        return {}
    scores = {}
    for dim in DIMENSIONS:
        value = raw.get(dim)
        if value in (None, ""):
            continue
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            errors[f"self_scores.{dim}"] = "not_a_number"
            continue
        try:
            number = float(value)
        except ValueError:
            errors[f"self_scores.{dim}"] = "not_a_number"
            continue
        if not 0 <= number <= 100:
            errors[f"self_scores.{dim}"] = "out_of_range"
        else:
            scores[dim] = number
    return scores


def _clean_indicators(raw, errors):
    """Rows of {name, target, actual, evidence_note}; wholly empty rows are dropped first,
    so the row numbers in errors count the rows that remain."""
    if not isinstance(raw, list):
        errors["indicators"] = "not_a_list"
        return []
    rows = [r for r in raw if not (isinstance(r, dict) and not any(
        (v or "").strip() if isinstance(v, str) else v for v in r.values()))]
    if len(rows) > MAX_INDICATORS:
        errors["indicators"] = "too_many"
        return []
    return [_clean_indicator(i, row, errors) for i, row in enumerate(rows)]


def _clean_indicator(index, row, errors):
    if not isinstance(row, dict):
        errors[f"indicators.{index}"] = "not_an_object"
        return {}
    out = {}
    for name, limit in INDICATOR_FIELDS.items():
        value = "" if row.get(name) is None else row.get(name)
        if not isinstance(value, str):
            errors[f"indicators.{index}.{name}"] = "not_text"
        elif len(value) > limit:
            errors[f"indicators.{index}.{name}"] = "too_long"
        else:
            out[name] = value.strip()
    return out


def missing_fields(content, kind="quarterly"):
    """Required fields still empty; an empty result means the report may be submitted.
    A monthly cycle's short self-evaluation needs only the month's work and the scores."""
    required = MONTHLY_REQUIRED if kind == "monthly" else REQUIRED_FIELDS
    missing = {f: "required" for f in required if not (content or {}).get(f)}
    scores = (content or {}).get("self_scores") or {}
    missing.update({f"self_scores.{d}": "required" for d in DIMENSIONS if d not in scores})
    for i, row in enumerate((content or {}).get("indicators") or []):
        missing.update({f"indicators.{i}.{name}": "required"
                        for name in INDICATOR_REQUIRED if not row.get(name)})
    return missing


def self_score(content):
    """The self-evaluation's total (赋分): the mean of the five dimension scores, or None."""
    scores = [v for v in ((content or {}).get("self_scores") or {}).values()
              if isinstance(v, int | float)]
    return round(sum(scores) / len(scores), 2) if len(scores) == len(DIMENSIONS) else None

"""Small validators shared by services; each raises Invalid naming the field."""

from decimal import Decimal, InvalidOperation

from workflow_app import limits
from workflow_app.errors import Invalid


def require_text(name, value, max_length=limits.REASON):
    """Trimmed text, required, at most `max_length` characters (workflow_app/limits.py):
    the services' own guard, so the CLI and the import meet the web form's rules."""
    text = optional_text(name, value, max_length)
    if not text:
        raise Invalid(fields={name: "required"})
    return text


def optional_text(name, value, max_length=limits.REASON):
    """Trimmed text or "", refused (422 naming `name`) when not text or too long."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise Invalid(fields={name: "not_text"})
    text = value.strip()
    if len(text) > max_length:
        raise Invalid(fields={name: "too_long"})
    return text


def parse_score(value, name="score", low=0, high=100):
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise Invalid(fields={name: "not_a_number"})
    try:
        score = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise Invalid(fields={name: "not_a_number"}) from None
    if not score.is_finite() or not low <= score <= high:
        raise Invalid(fields={name: "out_of_range"})
    return score

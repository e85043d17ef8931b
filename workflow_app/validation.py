"""Small validators shared by services; each raises Invalid naming the field."""

from decimal import Decimal, InvalidOperation

from workflow_app.errors import Invalid


def require_text(name, value, max_length=None):
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if not text:
        raise Invalid(fields={name: "required"})
    if max_length and len(text) > max_length:
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

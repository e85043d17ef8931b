"""Reading typed values out of a JSON payload, collecting 422 field errors.

The boundary (security/inputs.read_json) has already refused bad characters, NaN and
integers beyond 2**53; these helpers check each field's type, range and length.
"""

from workflow_app import limits
from workflow_app.errors import Invalid


def optional_int(data, name, errors, low=0, high=limits.ID_MAX):
    """An integer field within [low, high] (ids and versions by default), or None."""
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = "not_a_number"
        return None
    if not low <= value <= high:
        errors[name] = "out_of_range"
        return None
    return value


def string_list(data, name, errors, limit=limits.NAME):
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[name] = "not_a_list"
        return []
    if any(len(v) > limit for v in value):
        errors[name] = "too_long"
        return []
    return value


def text(data, name, errors, required=False, limit=limits.NAME):
    value = data.get(name)
    if value is None:
        if required:
            errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "not_text"
        return ""
    if len(value) > limit:
        errors[name] = "too_long"
        return ""
    return value


def raise_if(errors):
    if errors:
        raise Invalid(fields=errors)

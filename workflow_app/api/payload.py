"""Reading typed values out of a JSON payload, collecting 422 field errors."""

from workflow_app.errors import Invalid


def optional_int(data, name, errors):
    value = data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        errors[name] = "not_a_number"
        return None
    return value


def string_list(data, name, errors):
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[name] = "not_a_list"
        return []
    return value


def text(data, name, errors, required=False):
    value = data.get(name)
    if value is None:
        if required:
            errors[name] = "required"
        return ""
    if not isinstance(value, str):
        errors[name] = "not_text"
        return ""
    return value


def raise_if(errors):
    if errors:
        raise Invalid(fields=errors)

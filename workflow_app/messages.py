"""Human messages for the field error codes services raise (Invalid.fields)."""

from flask_babel import lazy_gettext as _l

FIELD_MESSAGES = {
    "required": _l("This field is required."),
    "too_long": _l("This text is too long."),
    "bad_character": _l("This text contains a character that cannot be stored; please "
                        "remove it."),
    "too_deep": _l("The data is nested too deeply."),
    "taken": _l("This name is already taken."),
    "too_short": _l("Too short: at least 8 characters."),
    "not_a_number": _l("Please enter a number."),
    "out_of_range": _l("The value is out of the allowed range."),
    "not_text": _l("Please enter text."),
    "not_an_object": _l("Wrong format."),
    "not_a_datetime": _l("Please enter a date and time (YYYY-MM-DD HH:MM)."),
    "before_opening": _l("The deadline must be after the opening time."),
    "not_a_boolean": _l("Please answer yes or no."),
    "not_accepted": _l("This value is not accepted at this step."),
    "unknown": _l("Unknown value."),
    "not_found": _l("No such item."),
    "not_a_list": _l("Please give a list."),
    "vetoed": _l("A veto (一票否决) caps this result at the lowest grade."),
}


def field_message(code):
    base = code.split(":", 1)[0]
    return FIELD_MESSAGES.get(base, FIELD_MESSAGES["unknown"])


def describe_fields(fields):
    return {name: {"code": code, "message": str(field_message(code))}
            for name, code in fields.items()}

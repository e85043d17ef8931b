"""The calendar's settings (config.py), read in one place: reminder days, SLAs, escalation."""

from flask import current_app, has_app_context

DEFAULTS = {
    # Days before the submit deadline on which drafting cadres are reminded (0: the day).
    "SUBMIT_REMINDER_DAYS": (7, 3, 1, 0),
    # Working days an item may wait in a review stage when the cycle names none.
    "REVIEW_SLA_WORKING_DAYS": 3,
    # Working days past the SLA after which an item is escalated to the next level.
    "ESCALATE_AFTER_WORKING_DAYS": 2,
    # Calendar days after the submit deadline before the window closes.
    "CYCLE_CLOSE_GRACE_DAYS": 0,
    # Raters who have not rated are reminded once when this many working days are left
    # before their round closes (today and the last day included).
    "RATING_REMINDER_WORKING_DAYS": 2,
    # Owners of rectification measures (整改措施) are reminded once when this many working
    # days are left before the due day (today and the due day included).
    "FOLLOW_UP_REMINDER_WORKING_DAYS": 3,
}


def setting(name):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def reminder_days():
    return tuple(sorted({int(d) for d in setting("SUBMIT_REMINDER_DAYS")}, reverse=True))


def review_sla(cycle, state):
    """Working days an item may wait in `state` in `cycle` before reviewers are reminded."""
    days = (cycle.stage_sla_days or {}).get(state)
    return int(days) if days is not None else int(setting("REVIEW_SLA_WORKING_DAYS"))


def escalate_after():
    return int(setting("ESCALATE_AFTER_WORKING_DAYS"))

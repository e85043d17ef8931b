"""Telling a rater they were asked to rate a colleague, and reminding them before the
round closes (issue 11, item 15).

The notices name the person to rate, the cycle and the closing day, nothing else: never
the other raters, their number or groups (issue 9's anonymity), and they go to the
rater alone. The reminder (scheduler/ratings.py) goes only to those who have not rated,
so it is kept out of the staff's outbox view (notifications.messages.PRIVATE_KINDS).
"""

from flask_babel import lazy_gettext as _l

from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.services import queue_many

REMINDER = "rating_reminder"
# The body doubles as the SMS text: short (a Chinese SMS is 70 characters).
KINDS[REMINDER] = (
    _l("Reminder: please rate %(cadre)s by %(day)s"),
    _l("Rating of %(cadre)s (%(cycle)s) closes at the end of %(day)s. It is anonymous."),
)

KINDS["rating_assigned"] = (
    _l("Please rate %(cadre)s (%(cycle)s)"),
    _l("You are asked to rate %(cadre)s for %(cycle)s. Your rating is anonymous."),
)


def notify_assigned(assessment, raters):
    """Queue one notice per newly assigned rater; a repeat (same rater) adds nothing."""
    params = {"cadre": assessment.cadre.display_name, "cycle": assessment.cycle.name}
    queue_many([(rater, "rating_assigned", params, f"r{assessment.id}:rating_assigned",
                 f"/ratings/{assessment.id}", None) for rater in raters], load=False)

"""Telling a rater they were asked to rate a colleague (issue 11, item 15).

The notice names the person to rate and the cycle, nothing else: never the other
raters, their number or groups (issue 9's anonymity), and it goes to the rater alone.
"""

from flask_babel import lazy_gettext as _l

from workflow_app.notifications.messages import KINDS
from workflow_app.notifications.services import queue_many

KINDS["rating_assigned"] = (
    _l("Please rate %(cadre)s (%(cycle)s)"),
    _l("You are asked to rate %(cadre)s for %(cycle)s. Your rating is anonymous."),
)


def notify_assigned(assessment, raters):
    """Queue one notice per newly assigned rater; a repeat (same rater) adds nothing."""
    params = {"cadre": assessment.cadre.display_name, "cycle": assessment.cycle.name}
    queue_many([(rater, "rating_assigned", params, f"r{assessment.id}:rating_assigned",
                 f"/ratings/{assessment.id}", None) for rater in raters], load=False)

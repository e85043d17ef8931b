"""Texts of every notification kind, translated for the recipient when queued."""

from flask_babel import lazy_gettext as _l

KINDS = {
    "cycle_opened": (
        _l("Assessment %(cycle)s is open"),
        _l("Please fill in your quarterly report for %(cycle)s before %(deadline)s."),
    ),
    "review_waiting": (
        _l("Report of %(cadre)s waiting for your review"),
        _l("The report of %(cadre)s in %(cycle)s is waiting for your decision."),
    ),
    "sent_back": (
        _l("Your report for %(cycle)s was sent back"),
        _l("%(actor)s sent your report back: %(comment)s"),
    ),
    "approved": (
        _l("Your report for %(cycle)s was approved"),
        _l("Your report for %(cycle)s has been approved at every level."),
    ),
    "published": (
        _l("Result of %(cycle)s published"),
        _l("Your result for %(cycle)s is published: %(grade)s. Objections until %(until)s."),
    ),
    "objection_raised": (
        _l("Objection to the result of %(cadre)s"),
        # Neither the objector nor the reason: the message may reach a substitute, an
        # inbox or a phone; both are on the objection page, for org_admin and auditor.
        _l("An objection to the result of %(cadre)s was raised; it is on the objections "
           "page."),
    ),
    "objection_resolved": (
        _l("Decision on the objection for %(cycle)s"),
        _l("The organisation department decided (%(event)s): %(reason)s"),
    ),
    "finalized": (
        _l("Result of %(cycle)s filed"),
        _l("Your result for %(cycle)s is final and filed."),
    ),
}

# Kinds whose recipients alone may know they got one: a reminder sent only to the raters
# who have not rated yet would tell whoever lists the outbox who has rated. The staff's
# outbox view (notifications.outbox) leaves them out of its rows, counts and re-sending.
PRIVATE_KINDS = frozenset({"rating_reminder"})

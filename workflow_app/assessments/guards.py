"""The guard names workflows use, answered for one assessment at one moment."""

from flask_babel import lazy_gettext as _l

from workflow_app.assessments.report import missing_fields
from workflow_app.clock import as_utc
from workflow_app.workcalendar import add_working_days

MESSAGES = {
    "window_open": _l("The submission window of this assessment cycle is not open."),
    "graded": _l("This assessment has not been graded yet."),
    "publication_open": _l("The publication period has ended; objections are closed."),
    "publication_ended": _l("The publication period has not ended yet."),
    "appeal_open": _l("The appeal period has ended."),
}


class Guards:
    def __init__(self, assessment, report, now):
        self.a, self.report, self.now = assessment, report, now
        self.cycle = assessment.cycle

    def __call__(self, name):
        return getattr(self, name)()

    def report_complete(self):
        return not missing_fields(self.report.content if self.report else {}, self.cycle.kind)

    def window_open(self):
        return self.cycle.status == "open" and self.now >= as_utc(self.cycle.opens_at)

    def committee_stage(self):
        return bool(self.cycle.committee_stage)

    def committee_scores(self):
        return bool(self.cycle.committee_scores)

    def graded(self):
        return self.a.grade is not None

    def publication_open(self):
        ends = as_utc(self.cycle.publication_ends_at)
        return ends is not None and self.now < ends

    def publication_ended(self):
        ends = as_utc(self.cycle.publication_ends_at)
        return ends is not None and self.now >= ends

    def appeal_open(self):
        closes = add_working_days(as_utc(self.a.state_since), self.cycle.appeal_days)
        return self.now < closes


# Objections have a period; the cadre learns it is over before filling in a form.
OBJECTION_EVENTS = ("dispute", "appeal")


def objection_closes_at(assessment, event):
    """When a dispute (end of 公示) or an appeal (working days after 备案) can no longer be
    raised; None when the cycle says nothing."""
    cycle = assessment.cycle
    if event == "dispute":
        return as_utc(cycle.publication_ends_at)
    return add_working_days(as_utc(assessment.state_since), cycle.appeal_days)


def objection_closed(assessment, event, report, now, engine):
    """The message why `event` cannot be raised now (its guard fails), or None."""
    for transition in engine.candidates(assessment.state, event):
        guards = Guards(assessment, report, now)
        failed = [name for name in transition.when if not guards(name)]
        if not failed:
            return None
        return MESSAGES.get(failed[0])
    return None


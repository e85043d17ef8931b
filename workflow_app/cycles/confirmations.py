"""What each many-people operation on a cycle will do, in counts, for the page that
asks to confirm it (workflow_app/confirmation.py)."""

from datetime import timedelta

from flask_babel import gettext

from workflow_app.clock import utcnow
from workflow_app.cycles.progress import DONE_FOR_PUBLISH, is_preview, not_done, state_counts
from workflow_app.workcalendar import LOCAL_TZ, add_working_days

PUBLISHED = ("published", "disputed", "final", "appealed")


def _n(counts, *states):
    return sum(counts.get(s, 0) for s in states)


def grading(cycle):
    counts = state_counts(cycle)
    lines = [gettext("%(n)d approved assessments get a score, grade and rank.",
                     n=_n(counts, "approved"))]
    if _n(counts, *PUBLISHED):
        lines.append(gettext("%(n)d published results keep their grades; ranks are "
                             "recomputed over the whole ranking.", n=_n(counts, *PUBLISHED)))
    if is_preview(counts):
        lines.append(gettext("Trial run (试算): %(n)d assessments are not finished yet; "
                             "nothing closes, and grading again later replaces these grades.",
                             n=sum(not_done(counts, DONE_FOR_PUBLISH).values())))
    return lines


def publishing(cycle):
    counts = state_counts(cycle)
    lines = [_publication_line(cycle, _n(counts, "approved")),
             gettext("The submission window closes for good.")]
    if _n(counts, "excluded"):
        lines.append(gettext("%(n)d excluded people (不参加本次考核) get no grade.",
                             n=_n(counts, "excluded")))
    return lines


def _publication_line(cycle, n):
    if cycle.without_publicity:
        return gettext("%(n)d results are filed as final (备案) at once: this monthly cycle "
                       "has no publication (公示).", n=n)
    ends = add_working_days(utcnow(), cycle.publicity_days).astimezone(LOCAL_TZ)
    if not cycle.publicity_days:  # ends at tonight's midnight: "0 working days" says nothing
        last_day = (ends - timedelta(days=1)).strftime("%Y-%m-%d")
        return gettext("%(n)d results are published (公示) to their units until midnight "
                       "tonight (%(day)s 24:00); objections may be raised until then.",
                       n=n, day=last_day)
    return gettext("%(n)d results are published (公示) to their units until %(ends)s "
                   "(%(days)d working days); objections may be raised until then.",
                   n=n, ends=ends.strftime("%Y-%m-%d %H:%M"), days=cycle.publicity_days)


def filing(cycle):
    counts = state_counts(cycle)
    lines = [gettext("%(n)d results are filed as final (备案).", n=_n(counts, "published"))]
    if _n(counts, "disputed"):
        lines.append(gettext("%(n)d results with an open objection wait for its decision.",
                             n=_n(counts, "disputed")))
    return lines


def archiving(cycle):
    counts = state_counts(cycle)
    return [gettext("The cycle and its %(n)d assessments are archived; nothing in it can "
                    "be changed afterwards.", n=sum(counts.values()))]

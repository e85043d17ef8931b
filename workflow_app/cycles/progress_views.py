"""The progress console of one cycle (进度): counts per state and unit, who has not
submitted, late reviews per reviewer, and the 催办 button."""

from flask import render_template, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from workflow_app.cycles.progress import (
    ordered_counts,
    state_counts,
    unit_counts,
)
from workflow_app.cycles.services import get_managed_cycle
from workflow_app.cycles.urging import (
    drafting_people,
    overdue_by_reviewer,
    remind_drafters,
    reminded_today,
)
from workflow_app.cycles.views import bp, confirm_then_run, run_and_report


@bp.get("/admin/cycles/<int:cycle_id>/progress")
@login_required
def progress(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    counts = state_counts(cycle)
    ordered = ordered_counts(cycle, counts)  # the units' states are among the cycle's
    return render_template(
        "cycles/progress.html", cycle=cycle, total=sum(counts.values()),
        state_counts=ordered, units=unit_counts(cycle), states=[s for s, _ in ordered],
        drafting=drafting_people(cycle), drafting_total=counts.get("drafting", 0),
        overdue=overdue_by_reviewer(cycle))


@bp.post("/admin/cycles/<int:cycle_id>/progress/remind")
@login_required
def remind(cycle_id):
    cycle = get_managed_cycle(cycle_id, current_user)
    back = url_for(".progress", cycle_id=cycle.id)
    asked = confirm_then_run(cycle, (_l("Remind them now (催办)"), reminding), back)
    return asked or run_and_report(lambda: remind_drafters(cycle, current_user), lambda n: gettext(
        "Reminder sent to %(n)d people (once a day each; those reminded today are not "
        "reminded again).", n=n), back=back)


def reminding(cycle):
    """What 催办 will do, in counts: it messages many people at once."""
    drafting = state_counts(cycle).get("drafting", 0)
    already = reminded_today(cycle)
    lines = [gettext("%(n)d people have not submitted yet.", n=drafting),
             gettext("%(n)d of them get a reminder now (in-app, by email and by SMS).",
                     n=drafting - already)]
    if already:
        lines.append(gettext("%(n)d were already reminded today and are not reminded again.",
                             n=already))
    return lines

"""The audit log as a spreadsheet: the current filter's rows, newest first."""

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from workflow_app.assessments.labels import relation_label, state_label
from workflow_app.audit import present
from workflow_app.clock import as_utc
from workflow_app.exports.spreadsheet import Sheet, xlsx_bytes
from workflow_app.workcalendar import LOCAL_TZ

SHEET = _l("Audit log")
HEADERS = (_l("Time"), _l("Actor"), _l("Acting as"), _l("Action"), _l("About"),
           _l("From state"), _l("To state"), _l("Comment"), _l("Changes"), _l("Chain"))


def _row(r, subjects, names):
    e = r.entry
    subject = subjects.get((e.subject_type, e.subject_id))
    about = f"{present.subject_label(e.subject_type)} {subject.label if subject else e.subject_id}"
    actor = r.actor_name or gettext("System")
    if r.deputy_name:
        actor = gettext("%(actor)s for %(absent)s", actor=actor, absent=r.deputy_name)
    return [as_utc(e.at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M:%S"), actor,
            relation_label(e.actor_role), str(present.action_label(e.action)), about,
            str(state_label(e.from_state)), str(state_label(e.to_state)), e.comment,
            present.changes_text(e, names), f"{e.subject_type}:{e.subject_id}#{e.seq}"]


def log_xlsx(rows, subjects, total):
    """One sheet; a line above the table says when the rows were capped."""
    names = present.names_for([r.entry for r in rows])
    preamble = [str(SHEET)]
    if total > len(rows):
        preamble += [gettext("The newest %(shown)s of %(total)s matching entries; narrow the "
                            "filter to export the rest.", shown=len(rows), total=total)]
    return xlsx_bytes([Sheet(str(SHEET), [str(h) for h in HEADERS],
                             [_row(r, subjects, names) for r in rows], preamble)])

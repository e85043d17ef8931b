"""The reviewer's queue: filters, counts per state, paging, and batch decisions.

A batch decision is checked and audited item by item, so one refused item does not
undo the others: the scope of the whole selection comes from one query, the allowed
items are decided with their writes gathered, and anything refused or in doubt goes the
careful way (one savepoint each). The request commits once at the end and shows, per
item, whether it was done and if not, why.
"""

from collections import Counter
from contextlib import nullcontext
from datetime import timedelta
from functools import partial
from types import SimpleNamespace

from flask import flash, render_template, request, url_for
from flask_babel import get_timezone, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forms.assessments import BatchForm, QueueFilterForm, message
from workflow_app.assessments import (
    batch_decide,
    batch_scope,
    labels,
    queue,
    queue_view,
    services,
)
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, get_assessment
from workflow_app.assessments.views import bp, client_addr, conflict_message, event_rules
from workflow_app.clock import utcnow
from workflow_app.confirmation import ask_first
from workflow_app.errors import Conflict, DomainError, Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.people.search import clean_query
from workflow_app.security.inputs import to_int, to_version
from workflow_app.validation import parse_score
from workflow_app.workcalendar import LOCAL_TZ

PAGE_SIZE = 20
BATCH_EVENTS = ("approve", "send_back")
MAX_BATCH = 1000
NOTHING_SELECTED = _l("Please select at least one item.")


def _page_size():
    """Rows per page: `size` in the query string (capped), else PAGE_SIZE."""
    return to_int(request.args.get("size"), 1, queue.MAX_PAGE_SIZE) or PAGE_SIZE


def _page_number():
    return to_int(request.args.get("page"), 1, 100000) or 1


def _filters():
    """The filter form and the QueueFilter it makes. The cycle and unit menus are filled
    in later (`offer`): an id no item of the queue has is ignored by the query itself."""
    states = [(code, label) for code, label in labels.STATE_LABELS.items()]
    form = QueueFilterForm(request.args, cycles=(), units=(), states=states)
    sort = form.sort.data if form.sort.data in queue.SORTS else "due"
    return form, queue.QueueFilter(
        cycle_id=_menu_id(form.cycle.data), unit_id=_menu_id(form.unit.data),
        state=form.chosen(form.state), overdue=bool(form.overdue.data), sort=sort,
        search=clean_query(form.q.data))


def _menu_id(value):
    """An id exactly as a menu option spells it (str(id)), else None."""
    number = to_int(value)
    return number if number is not None and str(number) == value else None


def _state_names(view):
    """Each state label on the page translated once (not once per row)."""
    codes = {r.state for r in view.rows} | set(view.counts)
    return {code: str(labels.state_label(code)) for code in codes}


def _due_texts(rows):
    """{id: due moment as the `due_time` filter writes it}, each distinct moment formatted
    once with strftime: Babel's formatter, per row, was a tenth of the page's time."""
    tz, found = get_timezone(), {}
    return {r.id: found.setdefault(r.due, _due_text(r.due, tz)) for r in rows if r.due}


def _due_text(moment, tz):
    """`views._due_time` for the digits-only patterns it uses ("yyyy-MM-dd[ HH:mm]")."""
    local = moment.astimezone(LOCAL_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).astimezone(tz).strftime("%Y-%m-%d")
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _detail_hrefs(rows):
    """{id: link to the item, with the view's arguments}: one url_for, as the links differ
    only by the id that ends their path."""
    if not rows:
        return {}
    first = rows[0].id
    path, sep, query = url_for(".detail", assessment_id=first,
                               **queue.view_args(request.args)).partition("?")
    prefix = path.removesuffix(str(first))
    return {r.id: f"{prefix}{r.id}{sep}{query}" for r in rows}


def _queue_context(batch=None, results=None, selected=()):
    form, f = _filters()
    now, number = utcnow(), _page_number()
    view = queue_view.load(current_user, f, now, number, _page_size())
    form.offer(view.cycles, view.units)
    counts = view.counts
    return {"filters": form, "f": f, "rows": view.rows, "page": number,
            "has_next": view.has_next,
            "counts": [(s, counts[s]) for s in labels.STATE_LABELS if s in counts],
            "total": sum(counts.values()), "overdue_total": view.overdue_total,
            "state_names": _state_names(view), "now": now, "due_texts": _due_texts(view.rows),
            "hrefs": _detail_hrefs(view.rows),
            "proxies": queue.stood_in_for(current_user, view.rows),
            "batch": batch or BatchForm(formdata=None), "results": results,
            "selected": {ident for ident, _ in selected},
            "args": {k: v for k, v in request.args.items() if k != "page"},
            "view": queue.view_args(request.args)}


@bp.get("/tasks")
@login_required
def task_list():
    return render_template("assessments/tasks.html", **_queue_context())


def _selected():
    """([(id, version)], [junk]) from the "id:version" checkboxes. A junk version makes
    the item stale (refused alone, 409); a junk id is refused alone as unknown."""
    out, junk = [], []
    for value in request.form.getlist("items")[:MAX_BATCH]:
        ident, _, version = value.partition(":")
        number = to_int(ident)
        if number is None:
            junk.append(ident[:20])
        else:
            out.append((number, to_version(version)))
    return list(dict.fromkeys(out)), list(dict.fromkeys(junk))


@bp.post("/tasks/batch")
@login_required
def batch():
    form = BatchForm()
    event = request.form.get("event")
    selected, junk = _selected()
    problem = _batch_problem(form, event, selected)
    if problem:
        flash(str(problem), "error")
        context = _queue_context(form, selected=selected)
        return render_template("assessments/tasks.html", **context), 422
    asked = ask_first(gettext("%(event)s: %(n)d items", event=labels.event_label(event),
                              n=len(selected)),
                      [gettext("%(n)d selected items get the decision \"%(event)s\"; each is "
                               "checked on its own, and any refused stays as it is.",
                               n=len(selected), event=labels.event_label(event))],
                      url_for(".task_list"))
    if asked is not None:
        return asked
    results = [_shown(r) for r in _decide(selected, event, form)]
    db.session.commit()
    results += [_unknown(ident) for ident in junk]
    return render_template("assessments/tasks.html",
                           **_queue_context(BatchForm(formdata=None), results))


def _shown(result):
    """What the results list shows of an item (its cadre's name and cycle), read before
    the commit expires it: no reload of 1,000 items only to print their names."""
    a = result["a"]
    if a is not None:
        result["a"] = SimpleNamespace(id=a.id, cycle=SimpleNamespace(name=a.cycle.name),
                                      cadre=SimpleNamespace(display_name=a.cadre.display_name))
    return result


def _unknown(ident):
    return {"id": ident, "a": None, "ok": False, "why": str(NotFound().message)}


def _batch_problem(form, event, selected):
    if event not in BATCH_EVENTS:
        return gettext("Please choose approve or send back.")
    if not selected:
        return NOTHING_SELECTED
    if event == "send_back" and not (form.comment.data or "").strip():
        form.comment.errors = [*form.comment.errors, message("required")]
        return gettext("A comment is required to send items back.")
    try:
        parse_score(form.score.data)
    except Invalid as exc:
        form.apply_errors({"score": exc.fields["score"]})
        return gettext("The decision could not be recorded. Please check the marked fields.")
    return None


def _decide(selected, event, form):
    """The whole selection's scope in one query (batch_scope); the items it allows are
    checked on their own and decided with their writes made together (batch_decide in
    services.batched(): one UPDATE executemany, executemany INSERTs of audit entries,
    reviews and committee votes, one notification INSERT; votes tallied together). Items
    it refuses, items handed back, and, when any item changed in the meantime, all items
    are done the careful way: one savepoint each, with the per-item answer."""
    found = _preload([ident for ident, _ in selected])
    allowed = batch_scope.actionable(current_user, list(found.values()), event)
    repeated = {i for i, n in Counter(i for i, _ in selected).items() if n > 1}
    fast = [(i, v) for i, v in selected if i in allowed and i not in repeated]
    chosen = set(fast)
    slow = [(i, v) for i, v in selected if (i, v) not in chosen]
    results = {}
    if fast:
        try:
            with services.batched():
                done, back = batch_decide.decide(
                    [(found[i], v) for i, v in fast], event, current_user, allowed,
                    form.comment.data, partial(_score_for, event=event, form=form),
                    client_addr())
                services.write_batch()
            results.update((i, _done(i, found[i], exc)) for i, exc in done.items())
            slow += back
        except (Conflict, IntegrityError):
            db.session.rollback()
            results.clear()
            slow = selected
    for ident, version in slow:
        results[ident] = _one(ident, version, event, form)
    return [results[ident] for ident, _ in selected]


def _done(ident, a, exc):
    return {"id": ident, "a": a, "ok": exc is None, "why": "" if exc is None else _why(exc)}


def _preload(ids, chunk=500):
    """Load the selected items as a transition does (services.LEAN: with their current
    reports, votes and recusals, not the cadres' role grants), a chunk per query."""
    found = {}
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        found.update((a.id, a) for a in db.session.scalars(
            select(Assessment).options(*services.LEAN).where(Assessment.id.in_(part)))
            .unique())
    return found


def _one(ident, version, event, form, savepoint=True):
    """Fire `event` on one item in its own savepoint: {"id", "a", "ok", "why"}."""
    result = {"id": ident, "a": None, "ok": False, "why": ""}
    try:
        # Without a savepoint (batch mode) nothing is written before the checks pass.
        with db.session.begin_nested() if savepoint else nullcontext():
            a = result["a"] = get_assessment(ident, current_user)
            fire_event(a, event, current_user, comment=form.comment.data,
                       score=_score_for(a, event, form), version=version, client_addr=client_addr())
        result["ok"] = True
    except DomainError as exc:
        result["why"] = _why(exc)
    return result


def _score_for(a, event, form):
    """The batch score where the stage takes one; nothing elsewhere (e.g. the secretary)."""
    return form.score.data if event_rules(a, event).get("score") else None


# The batch form's fields, by the names the services use: a refusal names its field.
BATCH_FIELDS = {"score": _l("Score"), "comment": _l("Comment"), "reason": _l("Reason")}


def _why(exc):
    if isinstance(exc, Invalid):
        return "; ".join(_field_problem(name, code) for name, code in exc.fields.items()) or str(
            exc.message)
    if isinstance(exc, NotFound):
        return str(exc.message)
    if isinstance(exc, Conflict):
        return str(conflict_message(exc))
    return str(exc.message)


def _field_problem(name, code):
    """"评分：此项为必填项。": which field, and what is wrong with it."""
    label = BATCH_FIELDS.get(name)
    if label is None:
        return str(message(code))
    return gettext("%(field)s: %(message)s", field=label, message=message(code))

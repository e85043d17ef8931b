"""The actuals import page of a cycle (数据同源): upload an XLSX, see what was imported."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from forms.actuals import ActualsImportForm
from workflow_app.cycles.actuals import (
    ActualImport,
    import_actuals,
    in_scope,
    plain,
    require_importer,
)
from workflow_app.cycles.actuals_rows import RowsRefused
from workflow_app.cycles.actuals_xlsx import MAX_BYTES, read_rows
from workflow_app.cycles.models import Cycle
from workflow_app.errors import Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.people.importer import ImportFailed
from workflow_app.people.models import User

bp = Blueprint("actuals", __name__)
MAX_LISTED = 500


@bp.app_template_filter("plain_figure")
def _plain_figure(number):
    return plain(number)


def _cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    require_importer(current_user, cycle)
    return cycle


@bp.get("/admin/cycles/<int:cycle_id>/actuals")
@login_required
def index(cycle_id):
    cycle = _cycle(cycle_id)
    return _page(cycle, ActualsImportForm(formdata=None, data={"source": "统计局"}))


@bp.post("/admin/cycles/<int:cycle_id>/actuals")
@login_required
def upload(cycle_id):
    cycle = _cycle(cycle_id)
    form = ActualsImportForm()
    file = request.files.get("file")
    if file is None or not file.filename:
        form.file.errors = [gettext("Please choose an XLSX file.")]
        return _page(cycle, form, status=422)
    try:
        rows = read_rows(file.read(MAX_BYTES + 1), (form.source.data or "").strip())
        batch = import_actuals(cycle, current_user, rows, file_name=file.filename)
    except ImportFailed as exc:
        return _refused(cycle, form, exc.report)
    except RowsRefused as exc:
        return _refused(cycle, form, exc.problems, str(exc.message))
    except Invalid as exc:
        return _refused(cycle, form, [str(exc.message)])
    db.session.commit()
    flash(gettext("Imported %(n)d figures (%(new)d new, %(replaced)d replaced).",
                  n=batch.row_count, new=batch.created_count,
                  replaced=batch.replaced_count), "success")
    return redirect(url_for(".index", cycle_id=cycle.id), 303)


def _refused(cycle, form, problems, message=None):
    db.session.rollback()
    return _page(cycle, form, problems=problems, message=message, status=422)


def _page(cycle, form, problems=(), message=None, status=200):
    return render_template("cycles/actuals.html", cycle=cycle, form=form,
                           problems=list(problems), message=message,
                           actuals=in_scope(cycle.id, current_user, MAX_LISTED),
                           imports=_imports(cycle)), status


def _imports(cycle):
    """The viewer's own imports into the cycle (another subtree's are not theirs to see)."""
    return db.session.execute(
        select(ActualImport, User.display_name)
        .join(User, User.id == ActualImport.imported_by_id)
        .where(ActualImport.cycle_id == cycle.id,
               ActualImport.imported_by_id == current_user.id)
        .order_by(ActualImport.id.desc()).limit(20)).all()

"""Web pages for results: the results table and chart, the XLSX filing copy, and the
公示 page colleagues see during publication."""

from flask import Blueprint, render_template
from flask_babel import gettext
from flask_login import current_user, login_required
from sqlalchemy import select

from workflow_app.assessments.labels import state_label
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import can_fire
from workflow_app.assessments.views import objection_windows
from workflow_app.cycles.models import Cycle
from workflow_app.cycles.services import can_manage_cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.exports.download import download, file_name
from workflow_app.extensions import db
from workflow_app.scoring import publication as publication_files
from workflow_app.scoring.disputes import can_raise_dispute
from workflow_app.scoring.notice import notice_for
from workflow_app.scoring.results import (
    by_category,
    can_see_results,
    distribution,
    flag_label,
    readable_cycle,
    result_rows,
    results_xlsx,
    units_of,
)
from workflow_app.scoring.teams import team_results

bp = Blueprint("results", __name__)


def _cycle(cycle_id):
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    return cycle


def _readable(cycle_id):
    return readable_cycle(cycle_id, current_user)


@bp.get("/cycles/<int:cycle_id>/results")
@login_required
def results_page(cycle_id):
    cycle = _readable(cycle_id)
    rows = result_rows(cycle)
    return render_template("results/index.html", cycle=cycle, rows=rows,
                           dist=distribution(cycle, rows), flag_label=flag_label,
                           state_label=state_label, lists=by_category(rows),
                           units=units_of(rows),
                           can_grade=can_manage_cycle(current_user, cycle))


@bp.get("/cycles/<int:cycle_id>/results.xlsx")
@login_required
def results_export(cycle_id):
    cycle = _readable(cycle_id)
    body = results_xlsx(cycle, result_rows(cycle), state_label, team_results(cycle))
    return download(body, file_name(cycle.name, gettext("Results"), ext="xlsx"))


def _publication(cycle_id):
    """公示: the published results of the viewer's own unit (admins: every unit)."""
    cycle = _cycle(cycle_id)
    everyone = can_see_results(current_user, cycle)
    rows = result_rows(cycle, None if everyone else current_user.org_unit_id, public_only=True)
    if not rows and not everyone:
        raise NotAllowed()
    return cycle, rows, notice_for(cycle)


@bp.get("/cycles/<int:cycle_id>/publication")
@login_required
def publication(cycle_id):
    cycle, rows, notice = _publication(cycle_id)
    return render_template("results/publication.html", cycle=cycle, rows=rows, notice=notice,
                           mine=_my_objection(cycle), objectable=_objectable(rows))


def _my_objection(cycle):
    """The viewer's own result in this 公示, when they may object to it: the notice says
    objections are open, so the page offers the button (in the table, see _objectable) or
    says the period has passed."""
    a = db.session.scalar(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == current_user.id))
    if a is None or not can_fire(current_user, a, "dispute"):
        return None
    return {"a": a, "window": objection_windows(a, ["dispute"])["dispute"]}


def _objectable(rows):
    """Ids of the results the viewer may object to now (DESIGN §3: the cadre or anyone in
    the unit, during 公示): each gets its button in the table. Only results of the
    viewer's own unit can qualify, so the others are not even loaded."""
    ids = [r.assessment_id for r in rows if r.state == "published"
           and r.unit_id == current_user.org_unit_id]
    if not ids:
        return set()
    found = db.session.scalars(select(Assessment).where(Assessment.id.in_(ids))).all()
    return {a.id for a in found if can_raise_dispute(current_user, a)}


@bp.get("/cycles/<int:cycle_id>/publication.pdf")
@login_required
def publication_pdf(cycle_id):
    cycle, rows, notice = _publication(cycle_id)
    return download(publication_files.publication_pdf(notice, rows),
                    file_name(cycle.name, gettext("Publication"), ext="pdf"))


@bp.get("/cycles/<int:cycle_id>/publication.xlsx")
@login_required
def publication_xlsx(cycle_id):
    cycle, rows, notice = _publication(cycle_id)
    return download(publication_files.publication_xlsx(notice, rows),
                    file_name(cycle.name, gettext("Publication list"), ext="xlsx"))


# The 公示 notice settings and the 登记表 register their routes on this blueprint.
from workflow_app.scoring import notice_views, registration_views  # noqa: E402,F401

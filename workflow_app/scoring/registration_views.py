"""平时考核登记表 pages and PDFs, for one person or a whole unit of a cycle.

Who may print: the org department and auditors over the unit, and each cadre their
own (scoring/registration.py decides; templates ask the same functions).
"""

from flask import render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow_app.assessments.models import Assessment
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.exports.download import download, file_name
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.scoring.registration import (
    can_print_registration,
    can_print_unit_registrations,
    registration_of,
    unit_registrations,
)
from workflow_app.scoring.registration_pdf import registration_pdf, seal_lines
from workflow_app.scoring.views import bp

# The assessment page links the form only for those who may print it.
bp.add_app_template_global(can_print_registration)


def _found(model, key):
    row = db.session.get(model, key)
    if row is None:
        raise NotFound()
    return row


def _one(assessment_id):
    a = _found(Assessment, assessment_id)
    if not can_print_registration(current_user, a):
        raise NotAllowed()
    return a, [registration_of(a, current_user)]


def _unit(cycle_id, unit_id):
    cycle, unit = _found(Cycle, cycle_id), _found(OrgUnit, unit_id)
    if not can_print_unit_registrations(current_user, unit):
        raise NotAllowed()
    return cycle, unit, unit_registrations(cycle, unit)


def _page(registrations, pdf_url):
    return render_template("results/registration.html", registrations=registrations,
                           seal_lines=seal_lines(), pdf_url=pdf_url)


def _form_title():
    return gettext("Quarterly assessment registration form")


@bp.get("/assessments/<int:assessment_id>/registration")
@login_required
def registration(assessment_id):
    _a, regs = _one(assessment_id)
    return _page(regs, url_for(".registration_pdf_one", assessment_id=assessment_id))


@bp.get("/assessments/<int:assessment_id>/registration.pdf")
@login_required
def registration_pdf_one(assessment_id):
    a, regs = _one(assessment_id)
    name = file_name(a.cycle.name, _form_title(), a.cadre.display_name, ext="pdf")
    return download(registration_pdf(regs, name), name)


@bp.get("/cycles/<int:cycle_id>/units/<int:unit_id>/registration")
@login_required
def unit_registration(cycle_id, unit_id):
    _cycle, _unit_row, regs = _unit(cycle_id, unit_id)
    return _page(regs, url_for(".unit_registration_pdf", cycle_id=cycle_id, unit_id=unit_id))


@bp.get("/cycles/<int:cycle_id>/units/<int:unit_id>/registration.pdf")
@login_required
def unit_registration_pdf(cycle_id, unit_id):
    cycle, unit, regs = _unit(cycle_id, unit_id)
    name = file_name(cycle.name, _form_title(), unit.name, ext="pdf")
    return download(registration_pdf(regs, name), name)

"""The record's page and its PDF; "我的实绩档案" leads a cadre to their own.

Who may read it is records.permissions.can_view_record (also a template global, so the
person page links it only for those who may follow the link).
"""

from flask import Blueprint, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user, login_required

from workflow_app.exports.download import download, file_name
from workflow_app.records.pdf import cell, record_pdf
from workflow_app.records.permissions import can_view_record
from workflow_app.records.record import build_record, record_cadre

bp = Blueprint("records", __name__)
bp.add_app_template_global(can_view_record)
bp.add_app_template_filter(cell, "record_cell")


@bp.get("/my/record")
@login_required
def mine():
    return redirect(url_for(".page", user_id=current_user.id))


@bp.get("/people/<int:user_id>/record")
@login_required
def page(user_id):
    cadre = record_cadre(user_id, current_user)
    return render_template("records/record.html", record=build_record(cadre, current_user),
                           own=cadre.id == current_user.id)


@bp.get("/people/<int:user_id>/record.pdf")
@login_required
def pdf(user_id):
    cadre = record_cadre(user_id, current_user)
    name = file_name(cadre.display_name, gettext("Cadre performance record"), ext="pdf")
    return download(record_pdf(build_record(cadre, current_user), name), name)

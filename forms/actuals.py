"""The actuals import upload (数据同源): the file and the office the figures come from."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import StringField

from forms.assessments import ErrorsFromService
from workflow_app.cycles.actuals import SOURCE_MAX


class ActualsImportForm(ErrorsFromService, FlaskForm):
    file = FileField(_l("XLSX file"), description=_l(
        "Columns: account (账号), indicator (指标), value (数值); optional: name (姓名), "
        "target (目标值), source (数据来源), cycle (考核周期)."), render_kw={"accept": ".xlsx"})
    source = StringField(_l("Source office"), description=_l(
        "Used for rows whose own source cell is empty, e.g. 统计局 or 督查室."),
        render_kw={"maxlength": SOURCE_MAX})

"""The department's 公示 notice settings (scoring/notice.py): what every 公示 prints
besides the names."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import Length

from workflow_app.scoring.notice import FIELD_LIMITS


def _field(label, name, description):
    limit = FIELD_LIMITS[name]
    return StringField(label, description=description, validators=[Length(max=limit)],
                       render_kw={"maxlength": limit})


class NoticeSettingsForm(FlaskForm):
    issuing_body = _field(_l("Issuing body"), "issuing_body",
                          _l("Printed at the bottom right, for example: 中共××县委组织部"))
    supervision_phone = _field(_l("Supervision phone"), "supervision_phone",
                               _l("For example: 0571-12345678"))
    objection_channel = _field(
        _l("Where to send objections"), "objection_channel",
        _l("Besides this system, for example: 县委组织部干部科（县行政中心 3 楼 305 室）"))

    def values(self):
        return {name: self[name].data or "" for name in ("issuing_body", "supervision_phone",
                                                         "objection_channel")}

"""People administration forms: substitutes, calendar days, the import upload.

Choices come in through the constructor; services check everything.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FileField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.widgets import CheckboxInput, ListWidget

from forms.assessments import ErrorsFromService
from forms.cycles import DATETIME_ATTRS, choices
from workflow_app import limits
from workflow_app.notifications.workapps import offered_work_apps
from workflow_app.security.inputs import to_int


class SubstitutionForm(ErrorsFromService, FlaskForm):
    absent_user = SelectField(_l("Who is away"))
    substitute = SelectField(_l("Substitute"))
    starts_at = StringField(_l("From"), description=_l("Beijing time"), render_kw=DATETIME_ATTRS)
    ends_at = StringField(_l("Until"), description=_l("Beijing time"), render_kw=DATETIME_ATTRS)
    reason = StringField(_l("Reason"), render_kw={"maxlength": limits.SHORT})

    def __init__(self, *args, people=(), absent_choices=None, **kwargs):
        """`people`: [(id, label)] to choose the substitute from; `absent_choices`: the
        same for the absent person (admins), None when it is the user themselves."""
        super().__init__(*args, **kwargs)
        self.substitute.choices = choices([("", "—"), *people])
        if absent_choices is None:
            del self["absent_user"]
        else:
            self.absent_user.choices = choices([("", "—"), *absent_choices])

    @staticmethod
    def chosen_id(field):
        return to_int(field.data)


class CalendarDayForm(ErrorsFromService, FlaskForm):
    day = StringField(_l("Date"), render_kw={"type": "date"})
    kind = SelectField(_l("This day is"), choices=choices([
        ("workday", _l("a working day")), ("holiday", _l("a day off"))]))
    note = StringField(_l("Note"), description=_l("For example: 本县调休"),
                       render_kw={"maxlength": limits.SHORT})


class ImportForm(ErrorsFromService, FlaskForm):
    file = FileField(_l("CSV or XLSX file"), render_kw={"accept": ".csv,.xlsx"})


ROLE_LABELS = {"cadre": _l("Cadre"), "supervisor": _l("Supervisor"),
               "committee": _l("Committee member"), "secretary": _l("Party secretary"),
               "org_admin": _l("Organisation department"), "rater": _l("Rater"),
               "auditor": _l("Auditor")}


def _roles_field():
    return SelectMultipleField(_l("Roles (on this unit and the units below it)"),
                               choices=choices(ROLE_LABELS.items()), coerce=str,
                               widget=ListWidget(prefix_label=False),
                               option_widget=CheckboxInput())


class UnitForm(ErrorsFromService, FlaskForm):
    name = StringField(_l("Name"), render_kw={"maxlength": limits.UNIT_NAME})
    category = StringField(_l("Category"), description=_l(
        "Units are ranked only within their category, e.g. 社区, 乡镇, 经济发展类."),
        render_kw={"maxlength": 60})


_ID_ATTRS = {"maxlength": 64, "autocapitalize": "none", "spellcheck": "false"}
WORK_APP_FIELDS = {"dingtalk": "dingtalk_user_id", "wecom": "wecom_user_id"}


class PersonForm(ErrorsFromService, FlaskForm):
    """A new person (with username and password) or changes to one (`new=False`)."""

    username = StringField(_l("Username"), render_kw={"maxlength": 80,
                                                      "autocapitalize": "none"})
    password = PasswordField(_l("Initial password"), description=_l("At least 8 characters."))
    display_name = StringField(_l("Name"), render_kw={"maxlength": 120})
    email = StringField(_l("Email"), render_kw={"type": "email", "maxlength": 255})
    phone = StringField(_l("Mobile phone"), render_kw={"inputmode": "tel", "maxlength": 32})
    # Shown only when the work app is configured (notifications/workapps.py).
    dingtalk_user_id = StringField(_l("DingTalk user id"), render_kw=_ID_ATTRS)
    wecom_user_id = StringField(_l("WeCom user id"), render_kw=_ID_ATTRS)
    roles = _roles_field()
    supervisor = SelectField(_l("Supervisor"))
    active = BooleanField(_l("Account active"))

    def __init__(self, *args, supervisors=(), new=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.supervisor.choices = choices([("", "—"), *supervisors])
        for name in ("active",) if new else ("username", "password"):
            del self[name]
        offered = offered_work_apps()
        for channel, name in WORK_APP_FIELDS.items():
            if new or channel not in offered:
                del self[name]

    def supervisor_id(self):
        return to_int(self.supervisor.data)

    def work_app_ids(self):
        """{field: posted id} of the work-app ids on this form (configured apps only)."""
        return {n: self[n].data or "" for n in WORK_APP_FIELDS.values() if n in self}


# --- 班子 (teams): workflow_app/people/team_views.py ------------------------------------

class TeamForm(ErrorsFromService, FlaskForm):
    """A new team (with its unit) or a new name for one (`new=False`)."""

    org_unit = SelectField(_l("Unit"))
    name = StringField(_l("Team name"), description=_l("For example: 东街社区两委班子"),
                       render_kw={"maxlength": 120})

    def __init__(self, *args, units=(), new=True, **kwargs):
        super().__init__(*args, **kwargs)
        if new:
            self.org_unit.choices = choices([("", "—"), *units])
        else:
            del self["org_unit"]


class TeamMemberForm(ErrorsFromService, FlaskForm):
    user = SelectField(_l("Person"))
    position = StringField(_l("Position"), description=_l("For example: 书记, 主任, 委员"),
                           render_kw={"maxlength": 60})

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user.choices = choices([("", "—"), *people])


class TeamPositionForm(ErrorsFromService, FlaskForm):
    position = StringField(_l("Position"), render_kw={"maxlength": 60})

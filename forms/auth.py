"""Login form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from workflow_app.messages import field_message


class LoginForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[InputRequired(message=field_message("required")),
                    Length(max=80, message=field_message("too_long"))],
        render_kw={"autocomplete": "username", "autocapitalize": "none"})
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(message=field_message("required")),
                    Length(max=200, message=field_message("too_long"))],
        render_kw={"autocomplete": "current-password"})


def _password_field(label, autocomplete):
    return PasswordField(label, validators=[
        InputRequired(message=field_message("required")),
        Length(max=200, message=field_message("too_long"))],
        render_kw={"autocomplete": autocomplete})


class ChangePasswordForm(FlaskForm):
    """The user's own password change (auth.views.change_password)."""
    old_password = _password_field(_l("Current password"), "current-password")
    new_password = _password_field(_l("New password"), "new-password")
    confirm = _password_field(_l("New password again"), "new-password")

    def apply_errors(self, fields):
        for name, code in fields.items():
            target = getattr(self, name, None)
            if target is not None:
                target.errors = [*target.errors, field_message(code)]

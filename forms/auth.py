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

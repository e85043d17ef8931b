"""Flask-Login wiring for browser sessions."""

from flask_babel import lazy_gettext as _l

from workflow_app.extensions import db, login_manager
from workflow_app.people.models import User


@login_manager.user_loader
def load_user(user_id):
    user = db.session.get(User, int(user_id)) if str(user_id).isdigit() else None
    return user if user is not None and user.is_active else None


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.session_protection = "strong"

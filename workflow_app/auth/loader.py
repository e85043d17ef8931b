"""Flask-Login wiring for browser sessions.

The session holds "<user id>:<credential epoch>" (User.get_id): a cookie issued before
a logout, a password change or reset, or a (de)activation names an old epoch and no
longer loads anybody, even when replayed.
"""

from flask_babel import lazy_gettext as _l

from workflow_app.extensions import login_manager
from workflow_app.people.substitutes import load_acting_user


def parse_session_id(value):
    """(user id, epoch) from the session's id, or None for anything else."""
    user_id, _, epoch = str(value).partition(":")
    if not (user_id.isdigit() and epoch.isdigit()) or len(user_id) > 18 or len(epoch) > 18:
        return None
    return int(user_id), int(epoch)


@login_manager.user_loader
def load_user(session_id):
    parsed = parse_session_id(session_id)
    user = load_acting_user(parsed[0]) if parsed else None
    if user is None or not user.is_active or user.credential_epoch != parsed[1]:
        return None
    return user


def init_app(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.session_protection = "strong"

"""Web views for auth: log in (throttled by the service), log out, change one's own
password (forced after an admin reset or an import), switch language."""

from urllib.parse import urlsplit

from babel import Locale
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale, gettext
from flask_login import current_user, login_required, login_user, logout_user

from forms.auth import ChangePasswordForm, LoginForm
from workflow_app.auth.credentials import change_password as change_own_password
from workflow_app.auth.services import authenticate, end_credentials
from workflow_app.errors import DomainError, Invalid
from workflow_app.extensions import db
from workflow_app.people.roles import (
    AUDITOR,
    CADRE,
    COMMITTEE,
    ORG_ADMIN,
    RATER,
    SECRETARY,
    SUPERVISOR,
)
from workflow_app.security.redirects import safe_next
from workflow_app.sso.logout import single_logout_url
from workflow_app.sso.policy import password_login_allowed

bp = Blueprint("auth", __name__)

REVIEW_ROLES = {SUPERVISOR, COMMITTEE, SECRETARY, ORG_ADMIN}
# Who may be asked to rate a colleague (360): a role test, so the menu costs no query.
RATER_ROLES = {CADRE, SUPERVISOR, COMMITTEE, SECRETARY, RATER}
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}
# What a user who must change their password may still reach.
WHILE_CHANGE_REQUIRED = {"auth.change_password", "auth.logout", "auth.switch_language",
                         "auth.login", "static"}


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(url_for("assessments.index"))
    form = LoginForm()
    if request.method == "GET":
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 422
    try:
        user = authenticate(form.username.data, form.password.data, request.remote_addr or "")
    except DomainError as exc:  # NotAuthenticated (401) or TooManyAttempts (429)
        db.session.rollback()
        return render_template("auth/login.html", form=form, error=exc.message), exc.status
    start_session(user)
    db.session.commit()
    return redirect(safe_next(request.args.get("next"), url_for("assessments.index")))


def start_session(user):
    """A fresh session on login (no fixation), keeping only the language choice."""
    _clear_session_keeping_language()
    login_user(user)


def _clear_session_keeping_language():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.post("/logout")
def logout():
    sso_exit = single_logout_url()  # read before the session is cleared
    if current_user.is_authenticated:
        # Not only this cookie: every session and API token of the user ends, so a
        # copy of the cookie taken earlier is dead too.
        end_credentials(current_user)
        db.session.commit()
    logout_user()
    _clear_session_keeping_language()
    flash(gettext("You have been logged out."), "info")
    return redirect(sso_exit or url_for("auth.login"))


@bp.before_app_request
def require_password_change():
    """After an admin reset or an import, every page leads to the change form."""
    if request.blueprint == "api" or request.endpoint in WHILE_CHANGE_REQUIRED:
        return None
    # Not for an account whose password cannot be used (SSO only): nothing to change.
    if (current_user.is_authenticated and current_user.must_change_password
            and password_login_allowed(current_user)):
        return redirect(url_for("auth.change_password"))
    return None


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if request.method == "GET" or not form.validate():
        return _change_page(form, 200 if request.method == "GET" else 422)
    try:
        change_own_password(current_user, form.old_password.data, form.new_password.data,
                            form.confirm.data, request.remote_addr or "")
    except Invalid as exc:
        db.session.rollback()
        form.apply_errors(exc.fields)
        return _change_page(form, 422)
    except DomainError as exc:  # TooManyAttempts: the current password is throttled
        db.session.rollback()
        return _change_page(form, exc.status, error=exc.message)
    start_session(current_user._get_current_object())  # this browser stays logged in
    db.session.commit()
    flash(gettext("Your password has been changed."), "success")
    return redirect(url_for("assessments.index"))


def _change_page(form, status, error=None):
    return render_template("auth/change_password.html", form=form, error=error,
                           forced=current_user.must_change_password), status


@bp.get("/lang/<code>")
def switch_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    return redirect(safe_next(_same_site_path(request.referrer), url_for("assessments.index")))


def _same_site_path(url):
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


@bp.app_context_processor
def navigation():
    """What base.html needs about the user, computed here so templates never query."""
    nav = None
    if current_user.is_authenticated:
        roles = set(current_user.roles)
        nav = {"name": current_user.display_name, "my": CADRE in roles,
               "tasks": bool(roles & REVIEW_ROLES), "admin": ORG_ADMIN in roles,
               "ratings": bool(roles & RATER_ROLES), "audit": bool(roles & {ORG_ADMIN, AUDITOR}),
               "surveys": ORG_ADMIN in roles, "showcase": True}
    return {"nav": nav, "current_lang": _current_language(), "language_names": LANGUAGE_NAMES}


def _current_language():
    """The configured code ("zh_CN", "en") of the locale in use (Babel says zh_Hans_CN)."""
    locale = get_locale()
    for code in current_app.config["LANGUAGES"]:
        if locale is not None and Locale.parse(code) == locale:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]

"""Web views for auth: log in (rate-limited by the service), log out, switch language."""

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
from flask_login import current_user, login_user, logout_user

from forms.auth import LoginForm
from workflow_app.auth.services import authenticate
from workflow_app.errors import DomainError
from workflow_app.extensions import db
from workflow_app.people.roles import CADRE, COMMITTEE, ORG_ADMIN, SECRETARY, SUPERVISOR

bp = Blueprint("auth", __name__)

REVIEW_ROLES = {SUPERVISOR, COMMITTEE, SECRETARY, ORG_ADMIN}
LANGUAGE_NAMES = {"zh_CN": "中文", "en": "English"}


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
    _start_session(user)
    db.session.commit()
    return redirect(_safe_next(request.args.get("next")) or url_for("assessments.index"))


def _start_session(user):
    """A fresh session on login (no fixation), keeping only the language choice."""
    _clear_session_keeping_language()
    login_user(user)


def _clear_session_keeping_language():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _safe_next(target):
    """Only same-site paths: never redirect to another host after login."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    return None if parts.scheme or parts.netloc or "\\" in target else target


@bp.post("/logout")
def logout():
    logout_user()
    _clear_session_keeping_language()
    flash(gettext("You have been logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/lang/<code>")
def switch_language(code):
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    back = _safe_next(_same_site_path(request.referrer))
    return redirect(back or url_for("assessments.index"))


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
               "tasks": bool(roles & REVIEW_ROLES), "admin": ORG_ADMIN in roles}
    return {"nav": nav, "current_lang": _current_language(), "language_names": LANGUAGE_NAMES}


def _current_language():
    """The configured code ("zh_CN", "en") of the locale in use (Babel says zh_Hans_CN)."""
    locale = get_locale()
    for code in current_app.config["LANGUAGES"]:
        if locale is not None and Locale.parse(code) == locale:
            return code
    return current_app.config["BABEL_DEFAULT_LOCALE"]

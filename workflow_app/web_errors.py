"""HTML error pages for the browser side (the API answers JSON on its own)."""

from flask import render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from workflow_app.errors import DomainError
from workflow_app.extensions import db


def _wants_json():
    return request.path.startswith("/api/")


def init_app(app):
    @app.errorhandler(DomainError)
    def domain_error(exc):
        db.session.rollback()
        return render_template("errors/error.html", status=exc.status,
                               message=exc.message), exc.status

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        from flask_babel import gettext as _

        return render_template("errors/error.html", status=400, message=_(
            "The form expired or was sent from elsewhere. Please reload the page and try "
            "again.")), 400

    for status in (403, 404, 405, 413, 500):
        app.register_error_handler(status, _http_error(status))


MESSAGES = {413: _l("What you sent is too large: a file may have at most 10 MB, a text at "
                    "most 10,000 characters. Go back with your browser: what you typed is "
                    "still in the form; shorten it and send it again.")}


def _http_error(status):
    def handler(exc):
        if _wants_json():
            from workflow_app.api import handle_http_error

            return handle_http_error(exc)
        if status == 500:
            db.session.rollback()
        return render_template("errors/error.html", status=status,
                               message=MESSAGES.get(status)), status
    return handler

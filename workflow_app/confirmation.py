"""Ask before an operation that affects many people or cannot be undone.

The first POST of such a form answers with a page that says what will happen, with
counts, and re-posts the same fields plus ``confirmed=yes``; only that second POST
acts. Server-side, so it holds without JavaScript and for any client of the web
forms (the JSON API is for programs and does not ask).
"""

from flask import render_template, request
from flask_babel import lazy_gettext as _l

CONFIRMED = "confirmed"


def confirmed():
    return request.form.get(CONFIRMED) == "yes"


def ask_first(title, effects, back, button=None, warning=None):
    """None when the form was confirmed; otherwise the confirmation page (200)."""
    if confirmed():
        return None
    fields = [(k, v) for k, v in request.form.items(multi=True)
              if k not in ("csrf_token", CONFIRMED)]
    return render_template("confirm.html", title=title, effects=effects, back=back,
                           button=button or title, warning=warning, fields=fields)


IRREVERSIBLE = _l("This cannot be undone.")

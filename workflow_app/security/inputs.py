"""The input boundary: what every request passes before a view sees it (issue 9, 7/13/15).

Unencodable text (item 7). Lone UTF-16 surrogates (U+D800–U+DFFF, what a JSON escape
"\\ud800" decodes to), NUL and the other C0 control characters but tab, line feed and
carriage return, and U+FFFE / U+FFFF cannot be encoded as UTF-8, stored by PostgreSQL
or written to XLSX/PDF; one such character used to make every page showing it answer
500. Chosen behaviour:

- JSON bodies: refused, 422 naming each field ("bad_character"). An API client sent the
  escape on purpose; it keeps its body and can fix it.
- Form fields, query strings and uploaded file names: the characters are removed, the
  rest is kept. A browser never sends them (it turns a lone surrogate into U+FFFD before
  sending), so only forged requests lose anything, and nobody loses what they typed.
- Text stored before this boundary existed: every `{{ … }}` in a template and every
  response body replace such characters on the way out, so no page can 500 on them.

Malformed input (item 13): the app's `int` URL converter takes 1–10 ASCII digits within
the id range (anything else is a 404); `to_int` / `query_int` parse numbers from query
strings and forms (never `str.isdigit()`, which accepts "²" that `int()` refuses); JSON
bodies are bounded in size, depth and integer range and may not contain NaN.

Length (item 15): no single text value over limits.ANY_TEXT passes the boundary, and the
session refuses over-long column values at flush (the last guard behind the services).
"""

import json
import math
import re

from flask import Request as FlaskRequest
from flask import Response as FlaskResponse
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import String, event, inspect
from sqlalchemy.orm import Session
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.routing import BaseConverter, ValidationError

from workflow_app import limits
from workflow_app.errors import Invalid

BAD_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
REPLACEMENT = "\ufffd"


def has_bad_characters(text):
    return BAD_CHARACTERS.search(text) is not None


def strip_bad_characters(text):
    """`text` minus the characters nothing downstream can carry."""
    return BAD_CHARACTERS.sub("", text)


def printable(text):
    """For output: bad characters shown as U+FFFD, so the reader sees something was there."""
    return BAD_CHARACTERS.sub(REPLACEMENT, text)


# --- numbers -----------------------------------------------------------------------------

ASCII_INT = re.compile(r"[+-]?[0-9]{1,18}")


def to_int(value, low=limits.ID_MIN, high=limits.ID_MAX):
    """ASCII decimal digits within [low, high] as an int, anything else None.

    Use instead of `s.isdigit()` + `int(s)`: isdigit() accepts "²" and "١", int() then
    raises or reads a digit nobody typed; unbounded ids overflow the database.
    """
    text = value.strip() if isinstance(value, str) else ""
    if not ASCII_INT.fullmatch(text):
        return None
    number = int(text)
    return number if low <= number <= high else None


def query_int(name, default, low, high):
    """An integer query parameter for the API: the default when absent, else 422."""
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    number = to_int(raw, -(10**18), 10**18)
    if number is None:
        raise Invalid(fields={name: "not_a_number"})
    if not low <= number <= high:
        raise Invalid(fields={name: "out_of_range"})
    return number


STALE = -1  # no item has this version: a malformed one is refused as stale, never ignored


def to_version(value):
    """A posted version ("" or None: not given). Junk gives STALE, so the service answers
    "changed in the meantime" (409) instead of skipping the check or raising."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    number = to_int(str(value), 0, limits.ID_MAX)
    return STALE if number is None else number


class IdConverter(BaseConverter):
    """`<int:…>` in every route: 1–10 ASCII digits within the id range, else 404."""

    regex = r"[0-9]{1,10}"
    part_isolating = True

    def to_python(self, value):
        number = to_int(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value):
        return str(int(value))


# --- JSON bodies -------------------------------------------------------------------------

NOT_JSON = _l("The request body must be a JSON object.")


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text):
    number = float(text)
    if not math.isfinite(number):
        raise ValueError("number out of range")
    return number


def read_json():
    """The request's JSON body, checked (see the module docstring); 413 or 422 if not."""
    request.max_content_length = limits.JSON_MAX_BYTES
    if (request.content_length or 0) > limits.JSON_MAX_BYTES:
        raise RequestEntityTooLarge()
    raw = request.get_data(cache=True)
    try:
        data = json.loads(raw, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError):
        raise Invalid(NOT_JSON, code="invalid_json") from None
    errors = json_problems(data)
    if errors:
        raise Invalid(fields=errors)
    return data


def json_problems(data):
    """{field path: code} for every value the boundary refuses; paths as the services
    name fields ("content.key_work", "indicators.2.name")."""
    errors, stack = {}, [("", data, 0)]
    while stack:
        path, value, depth = stack.pop()
        if depth > limits.JSON_MAX_DEPTH:
            errors[path.split(".")[0] or "body"] = "too_deep"  # the top-level field
            break
        if isinstance(value, dict):
            for key, item in value.items():
                where = _join(path, printable(key))
                if has_bad_characters(key):
                    errors[where] = "bad_character"
                stack.append((where, item, depth + 1))
        elif isinstance(value, list):
            stack.extend((_join(path, str(i)), item, depth + 1) for i, item in enumerate(value))
        else:
            code = _scalar_problem(value)
            if code:
                errors[path or "body"] = code
    return errors


def _join(path, key):
    return f"{path}.{key}" if path else key


def _scalar_problem(value):
    if isinstance(value, str):
        if has_bad_characters(value):
            return "bad_character"
        return "too_long" if len(value) > limits.ANY_TEXT else None
    if isinstance(value, int) and not isinstance(value, bool):
        return None if abs(value) <= limits.JSON_MAX_INT else "out_of_range"
    return None


# --- forms, query strings, file names ----------------------------------------------------

def clean_request():
    """before_request: bad characters out of form fields, query strings and file names;
    413 for a single value longer than any field takes."""
    if request.args and _dirty(request.args):
        request.args = _cleaned(request.args)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _dirty(request.form):
            request.form = _cleaned(request.form)
        for storage in request.files.values():
            if storage.filename and has_bad_characters(storage.filename):
                storage.filename = strip_bad_characters(storage.filename)


def _dirty(multidict):
    for key, value in multidict.items(multi=True):
        if len(value) > limits.ANY_TEXT:
            raise RequestEntityTooLarge()
        if has_bad_characters(key) or has_bad_characters(value):
            return True
    return False


def _cleaned(multidict):
    return ImmutableMultiDict([(strip_bad_characters(k), strip_bad_characters(v))
                               for k, v in multidict.items(multi=True)])


# --- the way out: stored text from before cannot 500 a page ------------------------------

def finalize(value):
    """Jinja `finalize`: every `{{ … }}` output with bad characters shown as U+FFFD."""
    if isinstance(value, str) and has_bad_characters(value):
        return Markup(printable(value)) if isinstance(value, Markup) else printable(value)
    return value


class Request(FlaskRequest):
    """Flask's request, but a view marked `larger_body(n)` reads a body of up to n bytes
    (the limit must be known before CSRF and this boundary read the form)."""

    @property
    def max_content_length(self):
        if self._max_content_length is not None:
            return self._max_content_length
        view = current_app.view_functions.get(self.endpoint) if current_app else None
        larger = getattr(view, "max_body", None)
        return larger if larger is not None else super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        self._max_content_length = value


def larger_body(limit):
    """Mark a view (outermost, under the route) to accept bodies up to `limit` bytes."""
    def mark(view):
        view.max_body = limit
        return view
    return mark


class Response(FlaskResponse):
    """Flask's response, but a str body with unencodable characters is still sent."""

    def set_data(self, value):
        if isinstance(value, str):
            value = value.encode("utf-8", "replace")
        super().set_data(value)


# --- the last guard: no over-long text reaches a column -------------------------------------

def column_limit(column):
    width = getattr(column.type, "length", None)
    if isinstance(column.type, String) and width:
        return width
    table = getattr(column, "table", None)
    return limits.TEXT_COLUMNS.get((getattr(table, "name", None), column.name))


def _check_lengths(session, _flush_context, _instances):
    errors = {}
    for obj in [*session.new, *session.dirty]:
        state = inspect(obj)
        for attr in state.mapper.column_attrs:
            value = state.dict.get(attr.key)
            if not isinstance(value, str) or not state.attrs[attr.key].history.added:
                continue
            limit = column_limit(attr.columns[0])
            if limit and len(value) > limit:
                errors[attr.key] = "too_long"
    if errors:
        raise Invalid(fields=errors)


def init_app(app):
    """Register the boundary: converter, request hook, output nets, flush guard."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(clean_request)
    app.jinja_env.finalize = finalize
    app.response_class = Response
    app.request_class = Request
    if not event.contains(Session, "before_flush", _check_lengths):
        event.listen(Session, "before_flush", _check_lengths)

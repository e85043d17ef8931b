"""Request ids and structured logs.

Every request gets an id: a well-formed incoming X-Request-ID (set by nginx or a
calling service) is kept, anything else is replaced by a new one. It is returned in
the X-Request-ID header, written on the audit entries and outbox rows the request
causes (audit/services.py, notifications/services.py) and on every log line, so one
id finds a user's complaint in the logs and in the database. Scheduler jobs and
dispatcher rounds get a run id in the same place (`run_scope`).

LOG_FORMAT=json turns the log into one JSON object per line (web, scheduler and
dispatcher); the default stays readable text for the demo. Either way each request
ends with one access line (logger `workflow_app.access`).
"""

import json
import logging
import re
import time
import uuid
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import g, has_request_context, request

HEADER = "X-Request-ID"
# Letters, digits and . _ : - only (no spaces or control characters that could forge a
# log line), 8 to 64 characters (a UUID is 36; the columns hold 64).
WELL_FORMED = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{7,63}")
_run_id = ContextVar("kaohe_run_id", default=None)
access_log = logging.getLogger("workflow_app.access")


def new_id(prefix=""):
    return f"{prefix}-{uuid.uuid4().hex[:16]}" if prefix else uuid.uuid4().hex


def accepted_id(value):
    """The incoming id if well formed, else a new one."""
    return value if value and WELL_FORMED.fullmatch(value) else new_id()


def current_request_id():
    """The id of the request being served, or of the job run; None outside both."""
    if has_request_context():
        rid = g.get("request_id")
        if rid:
            return rid
    return _run_id.get()


@contextmanager
def run_scope(prefix):
    """A job run or dispatcher round: its own id for its rows and log lines."""
    token = _run_id.set(new_id(prefix))
    try:
        yield _run_id.get()
    finally:
        _run_id.reset(token)


def _user_id():
    """The user already loaded for this request (never loads one: no extra query)."""
    if not has_request_context():
        return None
    user = g.get("_login_user") or g.get("api_user")
    return getattr(user, "id", None)


ACCESS_FIELDS = ("method", "path", "status", "duration_ms", "endpoint")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, request_id, user_id,
    the access fields where given, the exception where there is one."""

    def format(self, record):
        line = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname, "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "user_id": getattr(record, "user_id", None) or _user_id(),
        }
        line.update({k: getattr(record, k) for k in ACCESS_FIELDS if hasattr(record, k)})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def apply_log_format(config, logger=None):
    """LOG_FORMAT=json: every handler of `logger` (default: the root) writes JSON lines;
    a root without handlers first gets one on stderr at INFO."""
    if str(config.get("LOG_FORMAT", "text")).lower() != "json":
        return False
    logger = logger or logging.getLogger()
    if not logger.handlers:
        logger.addHandler(logging.StreamHandler())
        if logger.level in (logging.NOTSET, logging.WARNING):
            logger.setLevel(logging.INFO)
    for handler in logger.handlers:
        handler.setFormatter(JsonFormatter())
    return True


def init_app(app):
    if apply_log_format(app.config):
        from flask.logging import default_handler

        app.logger.removeHandler(default_handler)  # the root's JSON handler writes it
    # First of all before_request functions: whatever they log or write carries the id.
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    # After functions run in reverse: first in the list, last to run (its duration
    # includes the others', e.g. the fan-out after the commit).
    app.after_request_funcs.setdefault(None, []).insert(0, _end)


def _begin():
    g.request_id = accepted_id(request.headers.get(HEADER))
    g.request_started = time.perf_counter()


def _end(response):
    rid = g.get("request_id")
    if rid:
        response.headers[HEADER] = rid
        access_log.info("%s %s %s", request.method, request.path, response.status_code,
                        extra=_access_fields(response, rid))
    return response


def _access_fields(response, rid):
    started = g.get("request_started")
    duration = round((time.perf_counter() - started) * 1000, 1) if started else None
    return {"method": request.method, "path": request.path, "status": response.status_code,
            "duration_ms": duration, "endpoint": request.endpoint, "request_id": rid,
            "user_id": _user_id()}

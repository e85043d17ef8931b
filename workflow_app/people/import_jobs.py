"""Uploaded people imports, run in the background with a progress record.

The upload is saved under instance/imports/, and a worker thread runs the same
importer as `flask import-people` in one transaction: every row is checked
before anything is written, and a file with any error changes nothing. Progress
and the outcome (summary or per-row report) are kept in a small JSON file next
to it, which the progress page reads; so any web process on the host can show
it, and nothing in the database changes before the import commits.
"""

import json
import os
import secrets
import threading
from pathlib import Path

from flask import current_app

from workflow_app.clock import utcnow
from workflow_app.errors import Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.people.importer import ImportFailed, import_file

SUFFIXES = (".csv", ".xlsx", ".xlsm")
MAX_BYTES = 20 * 1024 * 1024


def _folder():
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _state_path(job_id):
    if not job_id.isalnum():
        raise NotFound()
    return _folder() / f"{job_id}.json"


def start(actor, filename, data):
    """Save the upload and start importing it; returns the job id."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise Invalid(fields={"file": "wrong_type"})
    if not data or len(data) > MAX_BYTES:
        raise Invalid(fields={"file": "required" if not data else "too_large"})
    job_id = secrets.token_hex(8)
    (_folder() / f"{job_id}{suffix}").write_bytes(data)
    _write(job_id, {"status": "queued", "stage": "", "done": 0, "total": 0,
                    "file": Path(filename).name, "user_id": actor.id,
                    "started_at": utcnow().isoformat(), "report": [], "summary": ""})
    app = current_app._get_current_object()
    if app.config.get("PEOPLE_IMPORT_IN_BACKGROUND", True):
        threading.Thread(target=run, args=(app, job_id, suffix), daemon=True).start()
    else:
        run(app, job_id, suffix)
    return job_id


def run(app, job_id, suffix):
    """The import itself: one transaction, committed only when every row is valid."""
    with app.app_context():
        upload = _folder() / f"{job_id}{suffix}"
        try:
            summary = import_file(upload, progress=lambda *p: _progress(job_id, *p))
            db.session.commit()
            _update(job_id, status="done", summary=summary)
        except ImportFailed as exc:
            db.session.rollback()
            _update(job_id, status="failed", report=exc.report)
        except Exception as exc:  # anything else: nothing written, and said so
            db.session.rollback()
            _update(job_id, status="failed", report=[f"{type(exc).__name__}: {exc}"])
        finally:
            upload.unlink(missing_ok=True)


def _progress(job_id, stage, done, total):
    _update(job_id, status="running", stage=stage, done=done, total=total)


def state(job_id):
    path = _state_path(job_id)
    if not path.exists():
        raise NotFound()
    return json.loads(path.read_text(encoding="utf-8"))


def _update(job_id, **changes):
    _write(job_id, {**state(job_id), **changes})


def _write(job_id, data):
    """Write atomically: a reader never sees half a file."""
    path = _state_path(job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def forget(job_id):
    path = _state_path(job_id)
    if not path.exists():
        raise NotFound()
    path.unlink()

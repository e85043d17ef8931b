"""Uploaded people imports, run in the background with a progress record.

The upload is saved under instance/imports/ and first previewed (new units, new
people, errors — nothing written). Only when the admin confirms that preview does a
worker thread run the same importer as `flask import-people` in one transaction, on
the same file: its SHA-256 must still be the one previewed, and it may create only
the units the preview listed (and only if the admin allowed new units). Progress
and the outcome (preview, summary or per-row report) are kept in a small JSON file
next to it, which the pages read; so any web process on the host can show it.
"""

import hashlib
import json
import os
import secrets
import threading
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from workflow_app.clock import utcnow
from workflow_app.errors import Conflict, Invalid, NotFound
from workflow_app.extensions import db
from workflow_app.people.importer import ImportFailed, import_file, preview_file

SUFFIXES = (".csv", ".xlsx", ".xlsm")
PREVIEW_MISMATCH = "文件在预览之后被改动：未导入任何数据，请重新上传并预览"
PREVIEW_MISMATCH_TEXT = _l("The file changed after the preview: nothing was imported. "
                           "Upload it again and check the new preview.")
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
    """Save the upload and start previewing it; returns the job id."""
    suffix = Path(filename or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise Invalid(fields={"file": "wrong_type"})
    if not data or len(data) > MAX_BYTES:
        raise Invalid(fields={"file": "required" if not data else "too_large"})
    job_id = secrets.token_hex(8)
    (_folder() / f"{job_id}{suffix}").write_bytes(data)
    _write(job_id, {"status": "queued", "stage": "", "done": 0, "total": 0,
                    "file": Path(filename).name, "user_id": actor.id, "suffix": suffix,
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "started_at": utcnow().isoformat(), "report": [], "summary": ""})
    _launch(preview, job_id, suffix)
    return job_id


def _launch(target, *args):
    app = current_app._get_current_object()
    if app.config.get("PEOPLE_IMPORT_IN_BACKGROUND", True):
        threading.Thread(target=target, args=(app, *args), daemon=True).start()
    else:
        target(app, *args)


def preview(app, job_id, suffix):
    """Check the file and record what importing it would do; nothing is written."""
    with app.app_context():
        upload = _folder() / f"{job_id}{suffix}"
        try:
            plan = preview_file(upload, progress=lambda *p: _progress(job_id, *p))
        except ImportFailed as exc:
            plan = None
            _update(job_id, status="failed", report=exc.report)
        except Exception as exc:  # anything else: nothing written, and said so
            plan = None
            _update(job_id, status="failed", report=[f"{type(exc).__name__}: {exc}"])
        finally:
            db.session.rollback()
        if plan is not None and not plan.errors:
            _update(job_id, status="preview", preview=plan.as_dict())
            return
        if plan is not None:
            _update(job_id, status="failed", report=plan.errors, preview=plan.as_dict())
        upload.unlink(missing_ok=True)


def confirm(actor, job_id, digest, allow_new_units):
    """Apply exactly the previewed file: refused if it changed or was already applied."""
    job = state(job_id)
    upload = _folder() / f"{job_id}{job.get('suffix', '')}"
    if job.get("status") != "preview" or not upload.exists():
        raise Conflict(code="not_previewed")
    if digest != job["sha256"] or hashlib.sha256(upload.read_bytes()).hexdigest() != digest:
        _update(job_id, status="failed", report=[PREVIEW_MISMATCH])
        upload.unlink(missing_ok=True)
        raise Conflict(PREVIEW_MISMATCH_TEXT, code="file_changed")
    new_units = [u["path"] for u in job["preview"]["new_units"]]
    if new_units and not allow_new_units:
        raise Invalid(fields={"allow_new_units": "required"})
    _update(job_id, status="queued", stage="", done=0, total=0, confirmed_by=actor.id)
    _launch(run, job_id, job["suffix"], new_units)


def run(app, job_id, suffix, new_units):
    """The import itself: one transaction, committed only when every row is valid."""
    with app.app_context():
        upload = _folder() / f"{job_id}{suffix}"
        try:
            summary = import_file(upload, progress=lambda *p: _progress(job_id, *p),
                                  allow_new_units=bool(new_units), expected_new_units=new_units)
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
    """Remove the record and any upload still waiting for confirmation."""
    job = state(job_id)
    (_folder() / f"{job_id}{job.get('suffix', '')}").unlink(missing_ok=True)
    _state_path(job_id).unlink()

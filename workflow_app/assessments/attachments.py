"""Evidence attachments of a self-report: checked, stored outside the web root, listed.

A file is accepted when its extension is allowed, its first bytes match that type
(a renamed .exe is not a PDF), and it is not larger than the limit. It is stored
under a random name in UPLOAD_FOLDER (default: instance/uploads), never under the
name it came with; the database keeps the original name, size, type and SHA-256.
Withdrawing a file hides it from the report; the row stays on record, and the bytes
are deleted from disk once the result is filed (`purge_withdrawn`, a scheduler job).

Disk use is bounded twice, withdrawn files included (withdrawing and uploading again
must not grow the disk): per report (every file ever stored for the assessment, its
objection evidence too) and per uploader over the last 24 hours, each by count and by
bytes. The limits are config values (EVIDENCE_*), defaults below.
"""

import hashlib
import secrets
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import column, func, select, table

from workflow_app.assessments.models import Assessment, Attachment
from workflow_app.assessments.permissions import can_manage_attachments
from workflow_app.assessments.services import current_report
from workflow_app.audit.services import record
from workflow_app.clock import as_utc, utcnow
from workflow_app.errors import Invalid, NotAllowed, NotFound
from workflow_app.extensions import db

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 20
MB = 1024 * 1024
# Config name -> default: files stored per report (withdrawn ones too), per uploader a day.
QUOTAS = {"EVIDENCE_REPORT_MAX_FILES": 60, "EVIDENCE_REPORT_MAX_BYTES": 200 * MB,
          "EVIDENCE_USER_DAY_MAX_FILES": 100, "EVIDENCE_USER_DAY_MAX_BYTES": 300 * MB}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc .xls .ppt .wps .et
ZIP = b"PK\x03\x04"  # .docx .xlsx .pptx (and newer WPS files)
SIGNATURES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": ("image/webp", (b"RIFF",)),
    "doc": ("application/msword", (OLE,)),
    "xls": ("application/vnd.ms-excel", (OLE,)),
    "ppt": ("application/vnd.ms-powerpoint", (OLE,)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             (ZIP,)),
    "wps": ("application/vnd.ms-works", (OLE, ZIP)),
    "et": ("application/vnd.ms-excel", (OLE, ZIP)),
}
MESSAGES = {
    "missing": _l("Please choose a file."),
    "type": _l("This type of file is not accepted. Allowed: PDF, images (PNG, JPG, GIF, WebP) "
               "and office files (Word, Excel, PowerPoint, WPS)."),
    "content": _l("The file's content does not match its type; it may be damaged or renamed."),
    "size": _l("The file is too large: at most 10 MB."),
    "empty": _l("The file is empty."),
    "count": _l("At most 20 files per report."),
}


def upload_folder():
    folder = current_app.config.get("UPLOAD_FOLDER") or str(
        Path(current_app.instance_path) / "uploads")
    return Path(folder)


def max_bytes():
    return int(current_app.config.get("ATTACHMENT_MAX_BYTES") or MAX_BYTES)


def kind_of(filename, head):
    """The content type for `filename` whose first bytes are `head`, or an error code."""
    ext = Path(filename or "").suffix.lower().lstrip(".")
    if ext not in SIGNATURES:
        return None, "type"
    content_type, magics = SIGNATURES[ext]
    if not any(head.startswith(m) for m in magics):
        return None, "content"
    if ext == "webp" and head[8:12] != b"WEBP":
        return None, "content"
    return content_type, None


# Files raised with an objection (scoring.disputes_models) are not report evidence.
_OBJECTION_FILES = table("objection_evidence", column("attachment_id"))


def current(assessment):
    return db.session.scalars(select(Attachment).where(
        Attachment.assessment_id == assessment.id, Attachment.removed_at.is_(None),
        Attachment.id.not_in(select(_OBJECTION_FILES.c.attachment_id)))
        .order_by(Attachment.id)).all()


def add(assessment, actor, filename, data, now=None):
    """Check and store one file (`data`: its bytes) as evidence of the current draft."""
    if not can_manage_attachments(actor, assessment):
        raise NotAllowed()
    _check(filename, data, len(current(assessment)))
    check_quota(assessment, actor, [len(data)], now)
    return store(assessment, actor, filename, data, now)


def quota(name):
    return int(current_app.config.get(name) or QUOTAS[name])


def check_quota(assessment, actor, sizes, now=None):
    """Raise Invalid unless `sizes` (bytes of the new files) fit in both quotas."""
    now = as_utc(now) if now else utcnow()
    report = _usage(Attachment.assessment_id == assessment.id)
    day = _usage(Attachment.uploaded_by_id == actor.id,
                 Attachment.created_at > now - timedelta(days=1))
    if report[0] + len(sizes) > quota("EVIDENCE_REPORT_MAX_FILES") or \
            report[1] + sum(sizes) > quota("EVIDENCE_REPORT_MAX_BYTES"):
        raise Invalid(gettext(
            "This report has reached its storage limit (%(files)d files or %(mb)d MB, "
            "withdrawn files included). No more files can be added.",
            files=quota("EVIDENCE_REPORT_MAX_FILES"),
            mb=quota("EVIDENCE_REPORT_MAX_BYTES") // MB), fields={"file": "report_quota"})
    if day[0] + len(sizes) > quota("EVIDENCE_USER_DAY_MAX_FILES") or \
            day[1] + sum(sizes) > quota("EVIDENCE_USER_DAY_MAX_BYTES"):
        raise Invalid(gettext(
            "You have uploaded the most allowed in 24 hours (%(files)d files or %(mb)d MB). "
            "Please try again tomorrow.", files=quota("EVIDENCE_USER_DAY_MAX_FILES"),
            mb=quota("EVIDENCE_USER_DAY_MAX_BYTES") // MB), fields={"file": "daily_quota"})


def _usage(*where):
    """(files, bytes) stored under `where`, withdrawn files included."""
    row = db.session.execute(select(func.count(Attachment.id),
                                    func.coalesce(func.sum(Attachment.size), 0))
                             .where(*where)).one()
    return row[0], row[1]


def store(assessment, actor, filename, data, now=None):
    """Store a file already checked by the caller (permission and `check`)."""
    content_type, _problem = kind_of(filename, data[:16])
    key = secrets.token_hex(16)
    target = upload_folder() / key[:2] / key
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    item = Attachment(
        assessment_id=assessment.id, report_revision=current_report(assessment).revision,
        uploaded_by_id=actor.id, filename=_safe_name(filename), content_type=content_type,
        size=len(data), sha256=hashlib.sha256(data).hexdigest(), storage_key=key,
        created_at=as_utc(now) if now else utcnow())
    db.session.add(item)
    db.session.flush()
    record("attachment", item.id, "upload", actor=actor,
           data={"assessment_id": assessment.id, "sha256": item.sha256, "size": item.size})
    return item


def check(filename, data, existing=0):
    """Raise Invalid (with a Chinese message) unless the file may be stored."""
    return _check(filename, data, existing)


def _check(filename, data, existing):
    if not filename or data is None:
        raise Invalid(MESSAGES["missing"], fields={"file": "required"})
    if len(data) > max_bytes():
        raise Invalid(MESSAGES["size"], fields={"file": "too_large"})
    if not data:
        raise Invalid(MESSAGES["empty"], fields={"file": "required"})
    if existing >= MAX_FILES:
        raise Invalid(MESSAGES["count"], fields={"file": "too_many"})
    content_type, problem = kind_of(filename, data[:16])
    if problem:
        raise Invalid(MESSAGES[problem], fields={"file": problem})
    return content_type


def _safe_name(filename):
    """Only the last path part, without control characters, at most 255 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>')
    return name.strip()[-255:] or "file"


def get(assessment, attachment_id, include_removed=False):
    item = db.session.get(Attachment, attachment_id)
    if item is None or item.assessment_id != assessment.id or (
            item.removed_at is not None and not include_removed) or _objection_file(item):
        raise NotFound()
    return item


def _objection_file(item):
    """An objection's evidence is served only by the objection's own, stricter route."""
    return db.session.scalar(select(_OBJECTION_FILES.c.attachment_id).where(
        _OBJECTION_FILES.c.attachment_id == item.id)) is not None


def remove(assessment, actor, attachment_id, now=None):
    if not can_manage_attachments(actor, assessment):
        raise NotAllowed()
    item = get(assessment, attachment_id)
    item.removed_at = as_utc(now) if now else utcnow()
    record("attachment", item.id, "withdraw", actor=actor,
           data={"assessment_id": assessment.id})
    return item


FILED = ("final",)  # 备案: the result is filed; appeals do not bring withdrawn files back


def purge_withdrawn(now):
    """Scheduler job: delete the bytes of withdrawn files of filed results (the row and
    its SHA-256 stay). Idempotent: a purged row is skipped, a missing file is fine."""
    items = db.session.scalars(select(Attachment).join(
        Assessment, Assessment.id == Attachment.assessment_id).where(
        Attachment.removed_at.is_not(None), Attachment.purged_at.is_(None),
        Assessment.state.in_(FILED)).order_by(Attachment.id).limit(5000)).all()
    for item in items:
        (upload_folder() / item.storage_key[:2] / item.storage_key).unlink(missing_ok=True)
        item.purged_at = now
        record("attachment", item.id, "purge", at=now,
               data={"assessment_id": item.assessment_id, "size": item.size})
    return len(items)


def path_of(item):
    path = upload_folder() / item.storage_key[:2] / item.storage_key
    if not path.is_file():
        raise NotFound()
    return path

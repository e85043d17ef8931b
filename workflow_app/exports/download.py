"""How every exported file leaves the server: one response helper, one file name rule.

Files are named after what they hold (`2026年第一季度平时考核-公示.pdf`), so a clerk's
download folder is readable. Browsers need the name twice (RFC 6266): an ASCII
`filename=` for old clients and `filename*=UTF-8''…` (RFC 5987, percent-encoded)
which every current browser prefers.
"""

import re
import unicodedata
from urllib.parse import quote

from flask import Response

from workflow_app.exports.text import clean_text

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "pdf": "application/pdf",
}
# Characters no file system or header should see in a name: path separators,
# Windows' reserved set, quotes and controls.
UNSAFE_RE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f;]+')
MAX_STEM = 120


def file_name(*parts, ext):
    """`parts` joined with "-", made safe for a file system: `file_name(cycle.name, "公示",
    ext="pdf")` → "2026年第一季度平时考核-公示.pdf"."""
    stem = "-".join(clean_text(p).strip() for p in parts if p is not None and str(p).strip())
    stem = UNSAFE_RE.sub("_", unicodedata.normalize("NFC", stem)).strip(" .")[:MAX_STEM]
    return f"{stem or 'export'}.{ext}"


def ascii_fallback(name):
    """The name for clients that ignore filename*: non-ASCII letters dropped."""
    stem, _, ext = name.rpartition(".")
    plain = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._-]+", "_", plain).strip("._-")
    return f"{plain or 'export'}.{ext}"


def content_disposition(name):
    return (f'attachment; filename="{ascii_fallback(name)}"; '
            f"filename*=UTF-8''{quote(name, safe='')}")


def download(body, name):
    """The response for an exported file `name` (its extension gives the type)."""
    ext = name.rpartition(".")[2].lower()
    return Response(body, mimetype=MIMETYPES.get(ext, "application/octet-stream"), headers={
        "Content-Disposition": content_disposition(name),
        "Cache-Control": "private, no-store"})

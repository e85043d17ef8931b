"""Where the audit MAC key comes from: `AUDIT_KEY` in the environment.

It must not live in the database it protects. The demo (development config) keeps a
random key in instance/audit.key, like a secret; any other configuration without
AUDIT_KEY refuses to start.
"""

import os
import secrets
from pathlib import Path


def init_app(app):
    if app.config.get("AUDIT_KEY"):
        return
    if not app.config.get("AUDIT_KEY_FROM_INSTANCE"):
        raise RuntimeError("AUDIT_KEY must be set: the audit log's MAC key, kept outside "
                           "the database (see README: the audit log)")
    app.config["AUDIT_KEY"] = _instance_key(Path(app.instance_path) / "audit.key")


def _instance_key(path):
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()

"""One source of "now" so tests, `scheduler --now` and the demo clock can move time without
sleeping."""

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import current_app, has_app_context


def utcnow():
    """Timezone-aware UTC now, or the app's injected clock (a callable) when set."""
    if has_app_context():
        clock = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return datetime.now(UTC)


def as_utc(value):
    """Normalise a datetime read back from either database to aware UTC.

    SQLite drops the zone on the way back, PostgreSQL keeps it; values are always
    written in UTC, so a naive value is UTC.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class DemoClock:
    """The demo's clock: the wall clock plus an offset kept in a file (plain seconds).

    Only the demo installs it (KAOHE_DEMO=1, workflow_app/demo_clock.py). The file is the
    one place the offset lives, so the web process, its in-process calendar and a
    `flask demo-clock` in another terminal agree without a restart; it is re-read only
    when its stat changes, so asking the time stays cheap.
    """

    def __init__(self, path):
        self.path = Path(path)
        self._stamp = None
        self._seconds = 0

    def __call__(self):
        return datetime.now(UTC) + timedelta(seconds=self.offset_seconds())

    def offset_seconds(self):
        try:
            st = self.path.stat()
            stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp != self._stamp:
            self._seconds = _read_seconds(self.path) if stamp else 0
            self._stamp = stamp
        return self._seconds

    def write_offset(self, seconds):
        """Replace the file whole (never half written); 0 removes it."""
        if not seconds:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
        tmp.write_text(f"{int(seconds)}\n")
        os.utime(tmp, ns=(self._later_mtime(),) * 2)
        os.replace(tmp, self.path)

    def _later_mtime(self):
        """Strictly after the current file's: two quick writes of the same length (and a
        reused inode) would otherwise look unchanged to a reader's stat cache."""
        try:
            previous = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            previous = 0
        return max(time.time_ns(), previous + 1)


def _read_seconds(path):
    try:
        return int(path.read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return 0  # a hand-edited or vanished file reads as "no offset", never a crash

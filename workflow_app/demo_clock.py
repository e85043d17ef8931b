"""Moving time forward in the demo, so a newcomer can finish a quarter in one sitting.

`flask demo-clock --advance 2d` writes an offset to instance/demo-clock-offset; the
demo's clock (clock.DemoClock) adds it to the wall clock everywhere, the web pages
and the in-process calendar included. Only the demo (KAOHE_DEMO=1) installs that
clock, every change is in the audit log, and every page says that time was moved.
"""

import re
from datetime import timedelta
from pathlib import Path

from flask_babel import gettext

from workflow_app.audit.services import record
from workflow_app.clock import DemoClock, utcnow
from workflow_app.workcalendar import LOCAL_TZ

OFFSET_FILE = "demo-clock-offset"
# The audit chain of the demo's clock: not an object of the domain, so a chain of its own.
SUBJECT = ("demo_clock", 0)
UNITS = {"d": 86400, "h": 3600, "m": 60}
SPAN = re.compile(r"(\d+)([dhm])")


class NotTheDemo(RuntimeError):
    """The demo clock is asked for where there is none (production, tests, plain dev)."""


def init_app(app):
    """Install the demo clock in the demo, unless a clock was injected (tests)."""
    if app.config.get("KAOHE_DEMO") and app.config.get("CLOCK") is None:
        app.config["CLOCK"] = DemoClock(Path(app.instance_path) / OFFSET_FILE)
    app.context_processor(_banner)


def installed(app):
    """The demo's clock, or None outside the demo (or where a test injected its own)."""
    clock = app.config.get("CLOCK")
    return clock if app.config.get("KAOHE_DEMO") and isinstance(clock, DemoClock) else None


def demo_clock(app):
    clock = installed(app)
    if clock is None:
        raise NotTheDemo("demo-clock works only in the demo (KAOHE_CONFIG=development "
                         "KAOHE_DEMO=1); elsewhere time is the real clock")
    return clock


def parse_span(text):
    """'2d', '6h', '1d12h', '30m' → seconds; anything else (or 0) → ValueError."""
    text = (text or "").strip().lower()
    if not re.fullmatch(r"(\d+[dhm])+", text):
        raise ValueError(f"not a span like 2d, 6h, 1d12h or 30m: {text!r}")
    seconds = sum(int(n) * UNITS[unit] for n, unit in SPAN.findall(text))
    if not seconds:
        raise ValueError("the span must be more than zero")
    return seconds


def advance_clock(clock, seconds, actor=None):
    """Move demo time forward; the caller commits, then calls write_offset (returned)."""
    before = clock.offset_seconds()
    return _change(clock, before + seconds, "demo_clock_advanced", actor,
                   {"advanced_seconds": seconds})


def reset_clock(clock, actor=None):
    return _change(clock, 0, "demo_clock_reset", actor, {})


def _change(clock, offset, action, actor, extra):
    """Audit first; the file is written only after the commit (see the CLI)."""
    previous = clock.offset_seconds()
    demo_time = utcnow() + timedelta(seconds=offset - previous)
    record(*SUBJECT, action, actor=actor, comment="flask demo-clock",
           data={"offset_seconds": offset, "previous_offset_seconds": previous,
                 "demo_time": demo_time.isoformat(), **extra})
    return offset


def describe(clock):
    """'演示时间：2026-12-03 09:00（已快进 2 天）' or None when time is real."""
    seconds = clock.offset_seconds()
    if not seconds:
        return None
    now = clock().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    return gettext("Demo time: %(now)s (moved forward by %(span)s)",
                   now=now, span=span_text(seconds))


def span_text(seconds):
    days, rest = divmod(abs(int(seconds)), 86400)
    hours, rest = divmod(rest, 3600)
    parts = [gettext("%(n)d days", n=days) if days else "",
             gettext("%(n)d hours", n=hours) if hours else "",
             gettext("%(n)d minutes", n=rest // 60) if rest // 60 or not (days or hours)
             else ""]
    text = " ".join(p for p in parts if p)
    return text if seconds > 0 else "-" + text


def _banner():
    from flask import current_app

    clock = installed(current_app)
    return {"demo_clock_banner": describe(clock)} if clock else {}

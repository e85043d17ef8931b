"""One source of "now" so tests and `scheduler --now` can move time without sleeping."""

from datetime import UTC, datetime

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

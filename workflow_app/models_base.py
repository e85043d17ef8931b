"""Column helpers shared by all domain models."""

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import mapped_column

from workflow_app.clock import utcnow


def pk():
    return mapped_column(Integer, primary_key=True)


def created_at():
    return mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


def timestamp(nullable=True):
    return mapped_column(DateTime(timezone=True), nullable=nullable)


def in_check(column, values):
    """SQL text for a CHECK that `column` holds one of `values` (codes are plain ASCII)."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"

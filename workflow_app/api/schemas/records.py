"""A cadre's record (实绩档案): who they are, and each section's columns and rows."""

from typing import Any

from workflow_app.api.schemas.base import ResponseModel


class RecordPerson(ResponseModel):
    id: int
    name: str
    unit: str
    unit_id: int
    position: str


class RecordColumn(ResponseModel):
    key: str
    label: str


class RecordSection(ResponseModel):
    """`rows` are plain objects: "year", "cycle_id" and "cycle" for rows of a cycle, the
    columns' keys, and codes beside labels (e.g. "flags" beside "flag_labels")."""
    key: str
    title: str
    columns: list[RecordColumn]
    rows: list[dict[str, Any]]


class PersonRecord(ResponseModel):
    person: RecordPerson
    years: list[int]
    sections: list[RecordSection]

"""Indicator actuals imported from a source office (数据同源)."""

from pydantic import Field

from workflow_app import limits
from workflow_app.api.schemas.base import Number, RequestModel, ResponseModel, text
from workflow_app.cycles.actuals import SOURCE_MAX
from workflow_app.cycles.actuals_rows import MAX_ROWS

# A figure may come as text ("1,200.5"): the service says per row when it is no number.
Figure = Number | text(40)


class ActualRow(RequestModel):
    account: text(limits.NAME) = None
    name: text(limits.NAME) = None
    indicator: text(limits.NAME) = None
    value: Figure | None = None
    target: Figure | None = None
    source: text(SOURCE_MAX) = None
    cycle: text(limits.NAME) = None


class ActualsImportRequest(RequestModel):
    """Rows are numbered from 1 in the refusal's `rows` messages (第 N 行)."""

    rows: list[ActualRow] = Field(max_length=MAX_ROWS)
    source: text(SOURCE_MAX) = None  # for rows without their own source
    file_name: text(255) = None


class ActualsImport(ResponseModel):
    id: int
    cycle_id: int
    via: str
    rows: int
    created: int
    replaced: int
    imported_at: str


class Actual(ResponseModel):
    id: int
    assessment_id: int
    account: str
    item_id: int
    item: str
    value: float
    target: float | None
    source: str
    import_id: int
    imported_at: str


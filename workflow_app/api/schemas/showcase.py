"""业绩晾晒: a unit's 星级榜 for a period, recording stars and 减星."""

from typing import Annotated, Literal

from pydantic import Field

from workflow_app.api.schemas.base import Id, RequestModel, ResponseModel, text
from workflow_app.showcase.models import NOTE_LIMIT, REASON_LIMIT

SubjectType = Literal["person", "department"]
Dimension = Literal["tasks", "publicity", "ideas", "activities", "honours"]
# The upper bound is the server's setting (SHOWCASE_MAX_STARS, at most 10): checked there.
Stars = Annotated[int, Field(ge=0, le=10)]


class StarsRequest(RequestModel):
    """Set the stars a person of the unit (or a department) earned on a dimension."""
    subject_type: SubjectType
    subject_id: Id
    dimension: Dimension
    stars: Stars
    on: text(10) = None          # YYYY-MM-DD inside the period; absent: today
    note: text(NOTE_LIMIT) = None


class DeductionRequest(RequestModel):
    """减星: for a missed target or a notice of criticism (通报批评), with the reason."""
    subject_type: SubjectType
    subject_id: Id
    dimension: Dimension
    stars: Annotated[int, Field(ge=1, le=10)]
    kind: Literal["missed_target", "criticism"]
    reason: text(REASON_LIMIT, True)
    on: text(10) = None


class StarCell(ResponseModel):
    earned: int
    deducted: int
    shown: int


class Entry(StarCell):
    subject_type: str
    subject_id: int
    dimension: str


class Deduction(ResponseModel):
    id: int
    subject_type: str
    subject_id: int
    dimension: str
    stars: int
    kind: str
    reason: str
    on: str
    withdrawn: bool
    entry: Entry | None = None


class BoardRow(ResponseModel):
    subject_type: str
    subject_id: int
    name: str
    rank: int
    total: int
    stars: dict[str, StarCell]


class Board(ResponseModel):
    unit_id: int
    unit_name: str
    period: str
    period_label: str
    max_stars: int
    dimensions: dict[str, str]
    can_record: bool
    persons: list[BoardRow]
    departments: list[BoardRow]
    deductions: list[Deduction]

"""负面清单 items, grade overrides, 360-degree ratings."""

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from workflow_app import limits
from workflow_app.api.schemas.base import (
    Id,
    Number,
    RequestModel,
    ResponseModel,
    coded,
    text,
)

Points = Annotated[Number, Field(gt=0, le=100)]


class NegativeItemRequest(RequestModel):
    kind: Literal["deduct", "veto"]
    points: Points | None = None  # a deduct's points; a veto has none
    reason: text(limits.REASON, True)
    evidence: text(limits.NOTE) = None


class NegativeItem(ResponseModel):
    id: int
    assessment_id: int
    kind: str
    points: float
    reason: str


class OverrideRequest(RequestModel):
    grade: str
    reason: text(limits.REASON, True)
    version: Id | None = None


class OverrideResult(ResponseModel):
    id: int
    grade: str | None
    flags: list[Any] | None
    version: int


# A group the service does not know was "not_accepted" before there was a schema.
Group = Annotated[Literal["superior", "peer", "subordinate", "public"], coded("not_accepted")]


class Rater(RequestModel):
    user_id: int
    group: Group


class RatersRequest(RequestModel):
    flat_errors: ClassVar = frozenset({"raters"})  # "user_id", "group", as before
    raters: list[Rater]


class RaterAssignment(ResponseModel):
    assessment_id: int
    rater_id: int
    rater_name: str
    group: str


class SuggestedRater(ResponseModel):
    rater_id: int
    rater_name: str
    group: str


class RatingTask(ResponseModel):
    assessment_id: int
    cadre_name: str
    unit: str
    cycle: str
    group: str
    open: bool
    closes_at: str | None
    rating_id: int | None


class RatingRequest(RequestModel):
    de: Number
    neng: Number
    qin: Number
    ji: Number
    lian: Number


class Rating(ResponseModel):
    id: int
    assessment_id: int
    de: float
    neng: float
    qin: float
    ji: float
    lian: float


class RatingRoundRequest(RequestModel):
    # The round's last day (YYYY-MM-DD, Beijing time); null or absent: no closing date
    # (absent was accepted before the schema, so it still is).
    closes_on: str | None = Field(None, json_schema_extra={"format": "date"})

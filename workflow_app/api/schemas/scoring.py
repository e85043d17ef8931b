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
    serious: bool = False  # 突出问题: joint liability on the person's team (a veto always)


class NegativeItem(ResponseModel):
    id: int
    assessment_id: int
    kind: str
    points: float
    reason: str
    serious: bool


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


class RatingGroupMean(ResponseModel):
    """A released bucket: rater groups folded until it holds the minimum."""
    groups: list[str]
    raters: int
    mean: float
    weight: float


class RatingProgressRow(ResponseModel):
    groups: list[str]
    raters: int        # assigned
    rated: int | None  # withheld while a pooled row is below the minimum


class RatingSummary(ResponseModel):
    """The 360 summary: score and groups only once released (round closed, enough
    raters); `raters` is null until then. `progress` is for staff only (absent for
    others) and null once the round is closed."""
    score: float | None
    raters: int | None
    flags: list[str]
    groups: list[RatingGroupMean]
    open: bool
    released: bool
    minimum: int
    closes_at: str | None  # the round's end (ISO 8601), null: no closing date
    progress: list[RatingProgressRow] | None = None


class TeamMember(ResponseModel):
    user_id: int
    position: str
    assessment_id: int | None  # none: not assessed in the cycle
    score: float | None
    grade: str | None
    veto: bool


class TeamResult(ResponseModel):
    """A 班子's result: members' mean score, capped by joint liability (连带责任)."""
    team_id: int
    name: str
    org_unit_id: int
    score: float | None
    grade: str | None
    member_count: int
    graded_count: int
    flags: list[str]
    members: list[TeamMember]

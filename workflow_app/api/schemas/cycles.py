"""Cycles, indicator sheets and bonus / penalty entries (加分 / 扣分)."""

from typing import Any, Literal

from pydantic import Field

from workflow_app import limits
from workflow_app.api.schemas.base import (
    Id,
    Json,
    Number,
    RequestModel,
    ResponseModel,
    text,
    words,
)
from workflows import workflow_keys

DateTime = Field(json_schema_extra={"format": "date-time"})  # checked by cycles.validation


class CycleRequest(RequestModel):
    name: text(limits.NAME, True)
    kind: Literal["quarterly", "annual", "monthly", "half_year"]
    year: int
    quarter: int | None = None
    month: int | None = None  # 1–12, for a monthly cycle (月度)
    half: int | None = None   # 1 (上半年) or 2 (下半年), for a half-year cycle
    workflow: Literal[tuple(workflow_keys())] | None = None
    org_unit_ids: list[Id]
    opens_at: str = DateTime
    submit_deadline: str = DateTime
    committee_stage: bool = True
    committee_scores: bool = True
    committee_rule: Literal["any", "majority", "all"] = "any"
    committee_categories: list[words(limits.NAME)] | None = None
    publicity_days: int | None = None  # 5 by default; 0 for a monthly cycle (no 公示)
    appeal_days: int = 15
    stage_sla_days: Json | None = None
    grading: Json | None = None
    status: Literal["draft", "scheduled"] = "scheduled"


class Cycle(ResponseModel):
    id: int
    name: str
    kind: str
    year: int
    quarter: int | None
    month: int | None
    half: int | None
    workflow: str
    workflow_version: int
    status: str
    org_unit_ids: list[int]
    opens_at: str | None
    submit_deadline: str | None
    committee_stage: bool
    publicity_days: int
    appeal_days: int
    grading: Json | None
    publication_ends_at: str | None


class CycleResult(ResponseModel):
    assessment_id: int
    cadre_id: int
    score: float | None
    grade: str | None
    rank: int | None
    flags: list[Any] | None
    state: str
    pay_pct: float | None


class Progress(ResponseModel):
    total: int
    by_state: dict[str, int]
    by_unit: list[Json]


class AdjustmentRequest(RequestModel):
    item_id: Id | None  # null: refused by the service, after it checked who is asking
    points: Number
    reason: text(limits.REASON, True)


class WithdrawRequest(RequestModel):
    reason: text(limits.REASON, True)


class Adjustment(ResponseModel):
    id: int
    assessment_id: int
    item_id: int
    item: str
    kind: str
    points: float
    reason: str
    recorded_by: int | None
    created_at: str


class IndicatorItemRequest(RequestModel):
    kind: Literal["common", "individual", "bonus", "penalty"]
    name: text(limits.NAME, True)
    standard: text(limits.NOTE) = None
    weight: Number | None = None
    cap: Number | None = None


class IndicatorSheetRequest(RequestModel):
    category: text(60) = None
    name: text(limits.NAME, True)
    bonus_cap: Number
    penalty_cap: Number
    items: list[IndicatorItemRequest]


class IndicatorItem(ResponseModel):
    kind: str
    name: str
    standard: str | None
    weight: float
    cap: float | None


class CycleIndicatorItem(IndicatorItem):
    id: int


class IndicatorSheet(ResponseModel):
    id: int
    category: str | None
    name: str
    bonus_cap: float
    penalty_cap: float
    items: list[IndicatorItem]


class CycleIndicatorSheet(ResponseModel):
    category: str | None
    name: str
    bonus_cap: float
    penalty_cap: float
    items: list[CycleIndicatorItem]


class OpenedCycle(Cycle):
    created: int  # assessments created by this opening


class PublishedCycle(Cycle):
    published: int  # assessments published by this call


class GradeSummary(ResponseModel):
    """What grading did: the grades given now (results already out are not counted)."""
    graded: int
    ungraded: int
    grades: dict[str, int]  # grade name ("-": none) → how many
    preview: bool           # a trial run (试算): not every assessment is done yet


class Reminders(ResponseModel):
    queued: int  # reminders queued now (each drafter once a day)


class Withdrawn(ResponseModel):
    id: int
    withdrawn: bool

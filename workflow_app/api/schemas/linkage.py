"""Task ownership (牵头单位 / 总负责 / 责任单位), per-unit weights and the 市县同责连带考核."""

from typing import Literal

from pydantic import Field

from workflow_app import limits
from workflow_app.api.schemas.base import Id, Number, RequestModel, ResponseModel, text


class OwnershipRequest(RequestModel):
    lead_unit_id: Id | None = None
    lead_cadre_id: Id | None = None
    responsible_unit_ids: list[Id] = Field(default_factory=list, max_length=50)
    linkage_weight: Number | None = None   # points of the lead unit's score; null: not linked
    linkage_average: Literal["mean", "weighted"] = "mean"
    linkage_mode: Literal["replace", "add"] = "replace"


class IndicatorTask(ResponseModel):
    item_id: int
    name: str
    weight: float
    lead_unit_id: int | None
    lead_unit: str
    lead_cadre_id: int | None
    lead_cadre: str
    responsible_unit_ids: list[int]
    responsible_units: list[str]
    linkage_weight: float | None
    linkage_average: str
    linkage_mode: str


class UnitWeightsRequest(RequestModel):
    weights: dict[str, Number]   # item id → this unit's weight; {}: back to the sheet's
    reason: text(limits.REASON, True)


class UnitWeight(ResponseModel):
    item_id: int
    name: str
    sheet_weight: float
    weight: float


class UnitWeights(ResponseModel):
    unit_id: int
    unit: str
    reason: str | None
    differs: bool
    items: list[UnitWeight]


class CompletionRow(RequestModel):
    unit_id: Id
    rate: Number | None = None   # percent, 0–999.99; null clears the county's rate


class CompletionsRequest(RequestModel):
    item_id: Id
    completions: list[CompletionRow] = Field(max_length=500)
    note: text(limits.REASON) = None


class CountyCompletion(ResponseModel):
    unit_id: int
    unit: str
    weight: float
    rate: float | None


class LinkedIndicator(ResponseModel):
    item_id: int
    name: str
    lead_unit_id: int
    linkage_weight: float
    linkage_average: str
    linkage_mode: str
    rate_cap: float
    counties: list[CountyCompletion]
    mean: float | None
    points: float | None

"""Satisfaction surveys: one-time links and phone spot checks (电话抽查)."""

from typing import Literal

from workflow_app import limits
from workflow_app.api.schemas.base import RequestModel, ResponseModel, text


class TokensRequest(RequestModel):
    count: int  # 1-500: surveys.services
    channel: Literal["qr", "sms"] = "qr"


class SurveyLink(ResponseModel):
    url: str
    channel: str
    sms_text: str | None


class SurveyLinks(ResponseModel):
    survey_id: int
    links: list[SurveyLink]


class SpotCheckRequest(RequestModel):
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    note: text(limits.NOTE) = None


class SpotCheck(ResponseModel):
    id: int
    survey_id: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


class SurveySummary(ResponseModel):
    """Totals only while open (answers released in batches); counts and rate once closed."""
    id: int
    assessment_id: int
    links_issued: int
    open: bool
    batch_size: int
    answered: int
    spot_checks: int
    counts: dict[str, int] | None  # choice → answers and spot checks, once closed
    rate: float | None

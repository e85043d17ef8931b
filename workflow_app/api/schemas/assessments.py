"""Assessments: lists, details, the report draft and workflow events."""

from typing import Any, ClassVar, Literal

from workflow_app import limits
from workflow_app.api.schemas.base import Id, Json, Number, RequestModel, ResponseModel, text
from workflows.registry import all_states

Report = text(limits.REPORT_TEXT)


class ReportContent(RequestModel):
    key_work: Report = None
    indicator_progress: Report = None
    most_satisfied: Report = None
    least_satisfied: Report = None
    self_evaluation: Report = None
    self_scores: Json | None = None   # 德能勤绩廉, 0-100 each: assessments.report
    indicators: list[Any] | None = None


class ReportRequest(RequestModel):
    flat_errors: ClassVar = frozenset({"content"})  # named as on the report form
    content: ReportContent
    # The draft the content was based on; a newer save in between answers 409.
    draft_version: Id | None = None


class EventRequest(RequestModel):
    comment: text(limits.COMMENT) = None
    reason: text(limits.REASON) = None
    score: Number | None = None
    version: Id | None = None


class AssessmentSummary(ResponseModel):
    id: int
    cycle_id: int | None = None
    cadre_id: int | None = None
    cadre_name: str | None = None
    org_unit_id: int | None = None
    state: Literal[tuple(all_states())]
    version: int
    score: float | None = None
    grade: str | None = None
    state_since: str | None = None


class CommitteeTally(ResponseModel):
    """At the two-committees stage, for those who see the details."""
    rule: Literal["any", "majority", "all"]
    eligible: int
    quorum: int
    needed: int
    agree: int
    disagree: int
    abstain: int
    not_voted: int
    votes: list[Json]


class Assessment(AssessmentSummary):
    allowed_events: list[str]
    rank: int | None = None
    flags: list[Any]
    report: Json | None = None
    scores: list[Json]
    history: list[Json]
    committee: CommitteeTally | None = None

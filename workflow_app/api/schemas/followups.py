"""Follow-ups of the last-ranked (专题民主生活会 / 提醒谈话 / 约谈) and their measures (整改)."""

from typing import Any, Literal

from workflow_app import limits
from workflow_app.api.schemas.base import Id, RequestModel, ResponseModel, text

Kind = Literal["democratic_life_meeting", "reminder_talk", "principal_talk"]
Day = text(10)  # YYYY-MM-DD; the service says "not_a_date" for anything else


class FollowUpRequest(RequestModel):
    """Open a follow-up of one person (`user_id`) or one unit (`org_unit_id`). With reason
    "bottom_ranked" the subject must be among the cycle's candidates, whose rank and
    category are recorded; "other" needs a `note`."""
    user_id: Id | None = None
    org_unit_id: Id | None = None
    kind: Kind
    reason: Literal["bottom_ranked", "other"] = "bottom_ranked"
    note: text(limits.REASON) = None
    held_on: Day = None
    problems: text(limits.REPORT_TEXT) = None


class FollowUpUpdate(RequestModel):
    held_on: Day = None
    problems: text(limits.REPORT_TEXT) = None
    outcome: text(limits.REPORT_TEXT) = None
    version: Id | None = None


class CloseRequest(RequestModel):
    outcome: text(limits.REPORT_TEXT) = None
    version: Id | None = None


class MeasureRequest(RequestModel):
    text: text(limits.NOTE, True)
    owner_id: Id
    due_on: text(10, True)


class MeasureDoneRequest(RequestModel):
    note: text(limits.NOTE) = None


class Measure(ResponseModel):
    id: int
    text: str
    owner_id: int
    owner_name: str
    due_on: str
    status: Literal["open", "done"]
    done_at: str | None
    note: str


class FollowUp(ResponseModel):
    id: int
    cycle_id: int
    cycle_name: str
    user_id: int | None
    org_unit_id: int | None
    subject_name: str
    kind: Kind
    reason: Literal["bottom_ranked", "joint_liability", "other"]
    reason_data: dict[str, Any]
    reason_note: str
    held_on: str | None
    problems: str
    outcome: str
    status: Literal["open", "closed"]
    version: int
    closed_at: str | None
    created_at: str | None
    measures: list[Measure]


class Candidate(ResponseModel):
    """A person or unit last (or in the bottom N) of its category ranking."""
    kind: Literal["person", "unit"]
    subject_id: int
    name: str
    unit_name: str
    category: str
    rank: int
    of: int
    score: float
    follow_up_ids: list[int]


class Candidates(ResponseModel):
    bottom_n: int
    persons: list[Candidate]
    units: list[Candidate]

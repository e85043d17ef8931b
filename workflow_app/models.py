"""Imports every domain's models so SQLAlchemy and Alembic see the whole schema."""

from workflow_app.assessments.models import Assessment, Objection, Review, SelfReport
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles.actuals import ActualImport, IndicatorActual  # noqa: F401  (数据同源)
from workflow_app.cycles.indicators import (  # noqa: F401  (indicator sheets)
    AssessmentAdjustment,
    CycleIndicatorItem,
    CycleIndicatorSheet,
    IndicatorItem,
    IndicatorSheet,
)
from workflow_app.cycles.models import Cycle, cycle_unit
from workflow_app.cycles.unit_weights import (  # noqa: F401  (per-unit weights)
    CycleUnitWeight,
    UnitWeightAdjustment,
)
from workflow_app.followups.models import FollowUp, RectificationMeasure  # noqa: F401  (整改)
from workflow_app.notifications.models import Notification
from workflow_app.people.models import ApiToken, LoginFailure, OrgUnit, RoleGrant, User
from workflow_app.people.teams import Team, TeamMember  # noqa: F401  (班子)
from workflow_app.scheduler.models import SchedulerJobRun  # noqa: F401  (heartbeat)
from workflow_app.scoring.disputes_models import ObjectionEvidence  # noqa: F401
from workflow_app.scoring.linkage import LinkageCompletion  # noqa: F401  (连带考核)
from workflow_app.scoring.models import NegativeItem
from workflow_app.scoring.notice import NoticeSettings  # noqa: F401  (公示 notice settings)
from workflow_app.scoring.ratings_models import RaterAssignment, Rating
from workflow_app.scoring.teams import TeamResult  # noqa: F401  (班子 results)
from workflow_app.showcase.models import (  # noqa: F401  (业绩晾晒)
    ShowcaseBoard,
    ShowcaseEntry,
    StarChange,
    StarDeduction,
)
from workflow_app.surveys.models import (
    SatisfactionSurvey,
    SpotCheck,
    SurveyResponse,
    SurveyToken,
)

__all__ = ["ApiToken", "Assessment", "AuditEntry", "Cycle", "LoginFailure", "NegativeItem",
           "Notification", "Objection", "OrgUnit", "Review", "RoleGrant", "SelfReport", "User",
           "cycle_unit", "RaterAssignment", "Rating", "SatisfactionSurvey", "SpotCheck",
           "SurveyResponse", "SurveyToken"]

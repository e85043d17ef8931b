"""The organisation department's list of satisfaction surveys (issue 11, item 15).

Counts only, and the same counts each survey's own page shows (services.survey_summary):
links issued, and answers — while a survey is open only those released in batches of
BATCH ("at least n", moving in steps of 5), all of them once it is closed. Nothing per
respondent and nothing per link: which link was used, and when, is nobody's to see.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from workflow_app.assessments.models import Assessment
from workflow_app.assessments.permissions import PUBLIC_STATES
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import scope_paths
from workflow_app.scoring.ratings_rounds import ever_published_ids
from workflow_app.surveys.models import SatisfactionSurvey, SurveyResponse, SurveyToken

PAGE_SIZE = 50


@dataclass(frozen=True)
class SurveyRow:
    assessment_id: int
    cadre: str
    unit: str
    cycle: str
    open: bool
    links: int
    answered: int  # released answers while open, all answers once closed


def can_list_surveys(user):
    """Whoever runs surveys: an org_admin, over the units of their grants."""
    return bool(user.is_authenticated and scope_paths(user, ORG_ADMIN))


def _scoped(user):
    if not can_list_surveys(user):
        raise NotAllowed()
    paths = scope_paths(user, ORG_ADMIN)
    return (select(SatisfactionSurvey.id).join(Assessment, Assessment.id ==
                                               SatisfactionSurvey.assessment_id)
            .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
            .where(or_(*[OrgUnit.path.like(p + "%") for p in paths])))


def survey_cycles(user):
    """[(cycle id, name)] of the cycles with a survey in `user`'s scope, newest first."""
    ids = _scoped(user).add_columns(Assessment.cycle_id).subquery()
    return db.session.execute(select(Cycle.id, Cycle.name).where(Cycle.id.in_(
        select(ids.c.cycle_id))).order_by(Cycle.opens_at.desc(), Cycle.id.desc())).all()


def surveys_in_scope(user, cycle_id=None, page=1):
    """(rows of the page, has a next page): newest cycle first, then unit and name."""
    query = (_scoped(user).add_columns(Assessment.id, User.display_name, OrgUnit.name,
                                       Cycle.name, SatisfactionSurvey.closed_at,
                                       Assessment.state)
             .join(User, User.id == Assessment.cadre_id)
             .join(Cycle, Cycle.id == Assessment.cycle_id)
             .order_by(Cycle.opens_at.desc(), Cycle.id.desc(), OrgUnit.name,
                       User.display_name, SatisfactionSurvey.id))
    if cycle_id is not None:
        query = query.where(Assessment.cycle_id == cycle_id)
    found = db.session.execute(query.offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return _rows(found[:PAGE_SIZE]), len(found) > PAGE_SIZE


def _rows(found):
    published = ever_published_ids([r[1] for r in found])
    survey_ids = [r[0] for r in found]
    links, released, total = _counts(survey_ids)
    out = []
    for sid, aid, cadre, unit, cycle, closed_at, state in found:
        is_open = closed_at is None and state not in PUBLIC_STATES and aid not in published
        answered = released.get(sid, 0) if is_open else total.get(sid, 0)
        out.append(SurveyRow(aid, cadre, unit, cycle, is_open, links.get(sid, 0), answered))
    return out


def _counts(survey_ids):
    """({survey: links issued}, {survey: answers released}, {survey: all answers})."""
    if not survey_ids:
        return {}, {}, {}
    links = dict(db.session.execute(
        select(SurveyToken.survey_id, func.count()).where(SurveyToken.survey_id.in_(survey_ids))
        .group_by(SurveyToken.survey_id)).all())
    answers = db.session.execute(
        select(SurveyResponse.survey_id, func.count(SurveyResponse.batch), func.count())
        .where(SurveyResponse.survey_id.in_(survey_ids))
        .group_by(SurveyResponse.survey_id)).all()
    return (links, {sid: released for sid, released, _all in answers},
            {sid: every for sid, _released, every in answers})

"""平时考核登记表: one sheet per person and cycle, for the personnel file.

It gathers what the quarter decided about one person: who they are, the report they
submitted, each review stage's opinion and score, the final score, grade and rank,
and blank lines for the organisation department's seal. The page
(templates/results/registration.html) and the PDF (registration_pdf.py) print the same
`Registration`.

Left out on purpose (DESIGN §4, anonymity): 360 raters and their scores, the names of
committee members (only the tally is shown), and objections, whose authors only
org_admins and auditors may know.
"""

from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import select

from workflow_app.assessments import committee
from workflow_app.assessments.labels import REPORT_FIELD_LABELS, state_label
from workflow_app.assessments.models import Assessment, Review
from workflow_app.assessments.permissions import relations, withholds_result
from workflow_app.assessments.services import current_report
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.scope import reads_all_of
from workflow_app.people.teams import TeamMember

# Who may print a 登记表: the person themselves, the org department and the auditors.
PRINT_RELATIONS = {"cadre", "org_admin", "auditor"}
REVIEW_STAGES = ("supervisor_review", "committee_review", "leader_review", "secretary_approval")


def can_print_registration(user, assessment):
    return bool(relations(user, assessment) & PRINT_RELATIONS)


def can_print_unit_registrations(user, unit):
    return reads_all_of(user, unit)


@dataclass
class Stage:
    label: str
    reviewer: str       # empty for the committee: members are not named
    opinion: str
    score: str
    decided_on: str


@dataclass
class Registration:
    assessment_id: int
    name: str
    unit: str
    category: str
    position: str
    cycle: str
    report: list = field(default_factory=list)       # [(label, text)]
    indicators: list = field(default_factory=list)   # [dict]
    stages: list = field(default_factory=list)       # [Stage]
    score: str = ""
    grade: str = ""
    rank: str = ""
    state: str = ""


def _num(value):
    return "" if value is None else f"{float(value):g}"


def _day(moment):
    return f"{moment.year}年{moment.month}月{moment.day}日" if moment else ""


def _position(a):
    positions = db.session.scalars(select(TeamMember.position)
                                   .where(TeamMember.user_id == a.cadre_id)).all()
    return "、".join(dict.fromkeys(positions))


def _last_approvals(a):
    """The approving review of each stage (the latest, after any send-back)."""
    found = {}
    for review in db.session.scalars(select(Review).where(
            Review.assessment_id == a.id, Review.decision == "approve").order_by(Review.id)):
        found[review.stage] = review
    return found


def _tally(a):
    votes = committee.all_votes(a)
    last = [v for v in votes if v.round == max(v.round for v in votes)] if votes else []
    approvals = sum(1 for v in last if v.decision == "approve")
    return gettext("Committee votes: %(approvals)d approving of %(votes)d cast",
                   approvals=approvals, votes=len(last))


def _stage(a, stage, review):
    from workflow_app.assessments.labels import STATE_LABELS

    is_committee = stage == "committee_review"
    reviewer = "" if is_committee else db.session.get(User, review.reviewer_id).display_name
    opinion = review.comment or ""
    if is_committee:
        opinion = _tally(a) + ("；" + opinion if opinion else "")
    return Stage(str(STATE_LABELS[stage]), reviewer, opinion, _num(review.score),
                 _day(review.created_at))


def _grade(a):
    # 不参加本次考核/不定等次 is the grade line of someone excluded from the quarter.
    return str(state_label(a.state)) if a.state == "excluded" else (a.grade or "")


def registration_of(a, viewer=None):
    """The form of `a`; printed by its own cadre before 公示, without the result."""
    hidden = viewer is not None and withholds_result(viewer, a)
    report = current_report(a)
    content = report.content if report else {}
    approvals = _last_approvals(a)
    return Registration(
        a.id, a.cadre.display_name, a.org_unit.name, a.org_unit.category or "",
        _position(a), a.cycle.name,
        report=[(str(label), content.get(key) or "") for key, label in
                REPORT_FIELD_LABELS.items() if key != "indicator_progress" or content.get(key)],
        indicators=list(content.get("indicators") or []),
        stages=[_stage(a, s, approvals[s]) for s in REVIEW_STAGES if s in approvals],
        score=None if hidden else _num(a.score), grade="" if hidden else _grade(a),
        state=str(state_label(a.state)),
        rank=gettext("No. %(rank)d", rank=a.rank) if a.rank and not hidden else "")


def unit_registrations(cycle, unit):
    """Everyone of `unit` in `cycle`, by rank then name (the order of the results page)."""
    query = (select(Assessment).join(User, User.id == Assessment.cadre_id)
             .where(Assessment.cycle_id == cycle.id, Assessment.org_unit_id == unit.id)
             .order_by(Assessment.rank.is_(None), Assessment.rank, User.display_name))
    return [registration_of(a) for a in db.session.scalars(query)]

"""Everything the review page shows about one assessment, gathered in one place.

Views call this and hand the result to the template, so templates never query.
"""

from sqlalchemy import select

from workflow_app.assessments import attachments, committee, diff
from workflow_app.assessments.models import Assessment, Review
from workflow_app.assessments.queries import visible
from workflow_app.assessments.services import current_report, reports
from workflow_app.audit.services import history
from workflow_app.cycles.models import Cycle
from workflow_app.extensions import db
from workflow_app.people.models import User

EARLIER_QUARTERS = 8


def reviews_of(a):
    return db.session.scalars(select(Review).where(Review.assessment_id == a.id)
                              .order_by(Review.id)).all()


def actor_names(entries, reviews, votes=()):
    ids = ({e.actor_id for e in entries if e.actor_id} | {r.reviewer_id for r in reviews}
           | {e.on_behalf_of_id for e in entries if e.on_behalf_of_id}
           | {v.member_id for v in votes})
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return dict(rows.all())


def earlier_quarters(a, user):
    """The same cadre's other assessments that `user` may see, newest cycle first."""
    query = (visible(user).join(Cycle, Cycle.id == Assessment.cycle_id)
             .where(Assessment.cadre_id == a.cadre_id, Assessment.id != a.id)
             .order_by(Cycle.opens_at.desc(), Assessment.id.desc()).limit(EARLIER_QUARTERS))
    return db.session.scalars(query).all()


def changes_since_sent_back(all_reports, report):
    """Compared with the version before this one (the one that was sent back)."""
    earlier = [r for r in all_reports if r.revision < report.revision]
    if not earlier:
        return None
    rows = diff.compare(earlier[-1].content, report.content)
    return {"from": earlier[-1], "rows": rows, "count": diff.changed_count(rows)}


def last_send_back(a):
    return db.session.scalar(select(Review).where(
        Review.assessment_id == a.id, Review.decision == "send_back")
        .order_by(Review.id.desc()).limit(1))


def review_details(a, user):
    report = current_report(a)
    all_reports = reports(a)
    reviews = reviews_of(a)
    entries = history("assessment", a.id)
    votes = committee.all_votes(a)
    return {"report": report, "reviews": reviews, "history": entries,
            "earlier": [r for r in all_reports if r.revision != report.revision],
            "names": actor_names(entries, reviews, votes),
            "attachments": attachments.current(a), "votes": votes,
            "recusals": committee.recusals(a), "quarters": earlier_quarters(a, user),
            "changes": changes_since_sent_back(all_reports, report),
            "sent_back": last_send_back(a) if report.revision > 1 else None}

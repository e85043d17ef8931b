"""Who a graded cycle puts last: the candidates for a follow-up (秦皇岛: 排名末位).

Persons: those last — or in the bottom N, ``grading["follow_up"]["bottom_n"]``, default 1
("last") — of each category ranking (类内排名, the rank grading stored). Ties at the
boundary are all in: three people sharing the last rank are all last.
Units: ranked within their category by the mean final score of their members graded in
the cycle (the codebase has no stored unit ranking; a team's score is the same mean over
its members only), the bottom N of each category the same way.
A ranking of N entries or fewer names nobody: everyone in it is also at the top.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.errors import Invalid, NotAllowed, WrongState
from workflow_app.extensions import db
from workflow_app.messages import FIELD_MESSAGES
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.roles import ORG_ADMIN
from workflow_app.people.scope import administers, scope_paths

DEFAULT_BOTTOM_N = 1
MAX_BOTTOM_N = 50
NOT_GRADED = _l("The cycle has not been graded yet: there is no ranking to follow up.")
FIELD_MESSAGES["not_a_candidate"] = _l("Not ranked last in this cycle: choose from the list.")


def bottom_n(cycle):
    setting = ((cycle.grading or {}).get("follow_up") or {}).get("bottom_n", DEFAULT_BOTTOM_N)
    return int(setting)


def grading_errors(grading):
    """{field: code} for ``grading["follow_up"]`` (checked when a cycle is created)."""
    section = grading.get("follow_up")
    if section is None:
        return {}
    if not isinstance(section, dict):
        return {"grading.follow_up": "not_an_object"}
    n = section.get("bottom_n", DEFAULT_BOTTOM_N)
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_BOTTOM_N:
        return {"grading.follow_up.bottom_n": "out_of_range"}
    return {}


@dataclass
class Candidate:
    kind: str            # "person" or "unit"
    subject_id: int      # user id or org unit id
    name: str
    unit_name: str
    category: str
    rank: int
    of: int
    score: Decimal

    @property
    def key(self):
        """The form value naming the subject: "u12" or "o3"."""
        return ("u" if self.kind == "person" else "o") + str(self.subject_id)

    def reason_data(self):
        return {"rank": self.rank, "of": self.of, "category": self.category,
                "score": str(self.score), "scope": self.kind}


def _bottom(ranked, n):
    """The entries of `ranked` [(rank, …)] at or below the N-th rank from the bottom."""
    if len(ranked) <= n:
        return []
    ranks = sorted((r[0] for r in ranked), reverse=True)
    return [r for r in ranked if r[0] >= ranks[n - 1]]


def person_candidates(cycle, n=None):
    n = n or bottom_n(cycle)
    rows = db.session.execute(
        select(Assessment.rank, Assessment.score, User.id, User.display_name, OrgUnit.name,
               OrgUnit.category)
        .join(User, User.id == Assessment.cadre_id)
        .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
        .where(Assessment.cycle_id == cycle.id, Assessment.rank.is_not(None))).all()
    by_category = defaultdict(list)
    for row in rows:
        by_category[row.category or ""].append(tuple(row))
    out = []
    for category, ranked in sorted(by_category.items()):
        for rank, score, uid, name, unit, _cat in sorted(_bottom(ranked, n)):
            out.append(Candidate("person", uid, name, unit, category, rank, len(ranked),
                                 score))
    return out


def unit_means(cycle):
    """{category: [(unit id, name, mean score)]} of the units with members graded."""
    rows = db.session.execute(
        select(OrgUnit.id, OrgUnit.name, OrgUnit.category, Assessment.score)
        .join(Assessment, Assessment.org_unit_id == OrgUnit.id)
        .where(Assessment.cycle_id == cycle.id, Assessment.rank.is_not(None))).all()
    scores = defaultdict(list)
    for uid, name, category, score in rows:
        scores[(uid, name, category or "")].append(Decimal(score))
    out = defaultdict(list)
    for (uid, name, category), values in scores.items():
        mean = (sum(values) / len(values)).quantize(Decimal("0.01"))
        out[category].append((uid, name, mean))
    return out


def unit_candidates(cycle, n=None):
    n = n or bottom_n(cycle)
    out = []
    for category, units in sorted(unit_means(cycle).items()):
        ordered = sorted(units, key=lambda u: u[2], reverse=True)
        ranked = [(_competition_rank(ordered, u), *u) for u in ordered]
        for rank, uid, name, mean in _bottom(ranked, n):
            out.append(Candidate("unit", uid, name, name, category, rank, len(ranked), mean))
    return out


def _competition_rank(ordered, unit):
    """1, 2, 2, 4 by mean score, as people are ranked."""
    return 1 + sum(1 for u in ordered if u[2] > unit[2])


def find_candidate(cycle, key):
    """The candidate named by `key` ("u12" / "o3"), or None when it is not one."""
    return next((c for c in person_candidates(cycle) + unit_candidates(cycle) if c.key == key),
                None)


def resolve_subject(user_id=None, org_unit_id=None):
    """The User or OrgUnit named by exactly one of the two ids; Invalid otherwise."""
    if bool(user_id) == bool(org_unit_id):
        raise Invalid(fields={"subject": "required"})
    subject = db.session.get(User if user_id else OrgUnit, user_id or org_unit_id)
    if subject is None:
        raise Invalid(fields={"user_id" if user_id else "org_unit_id": "not_found"})
    return subject


def open_for_cycle(cycle, actor, *, user_id=None, org_unit_id=None, kind,
                   reason="bottom_ranked", note="", held_on=None, problems=""):
    """Open a follow-up from the cycle's page or the API: a "bottom_ranked" one only for
    a candidate of the graded cycle, its rank and category taken from the ranking (never
    from the client). (follow_up, created)."""
    from workflow_app.followups.services import open_follow_up

    if not scope_paths(actor, ORG_ADMIN):
        raise NotAllowed()  # a cadre or an auditor: refused before anything is looked up
    subject = resolve_subject(user_id, org_unit_id)
    unit = subject.org_unit if isinstance(subject, User) else subject
    if not administers(actor, unit):
        raise NotAllowed()
    data = {}
    if reason == "bottom_ranked":
        if cycle.graded_at is None:
            raise WrongState(NOT_GRADED, code="not_graded")
        found = find_candidate(cycle, ("u" if user_id else "o") + str(subject.id))
        if found is None:
            raise Invalid(fields={"subject": "not_a_candidate"})
        data = found.reason_data()
    return open_follow_up(cycle, subject, actor, kind, reason=reason, note=note, data=data,
                          held_on=held_on, problems=problems)


def candidates_json(cycle, follow_ups):
    """The API's answer: the bottom N persons and units, each with its follow-ups."""
    ids = {}
    for f in follow_ups:
        ids.setdefault(("person", f.user_id) if f.user_id else ("unit", f.org_unit_id),
                       []).append(f.id)

    def one(c):
        return {"kind": c.kind, "subject_id": c.subject_id, "name": c.name,
                "unit_name": c.unit_name, "category": c.category, "rank": c.rank,
                "of": c.of, "score": float(c.score),
                "follow_up_ids": ids.get((c.kind, c.subject_id), [])}
    return {"bottom_n": bottom_n(cycle), "persons": [one(c) for c in person_candidates(cycle)],
            "units": [one(c) for c in unit_candidates(cycle)]}

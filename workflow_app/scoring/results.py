"""A cycle's results as rows: for the results page, the 公示 page and the XLSX export."""

from collections import Counter
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.cycles.models import Cycle
from workflow_app.errors import NotAllowed, NotFound
from workflow_app.exports.spreadsheet import Sheet, xlsx_bytes
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.scope import reads_all_of
from workflow_app.scoring.grading import merged_config

PUBLIC_STATES = ("published", "disputed", "final", "appealed")
FLAG_LABELS = {
    "tie_at_quota_boundary": _l("Tie at the quota boundary"), "over_quota": _l("Over quota"),
    "veto": _l("Veto"), "deducted": _l("Points deducted"), "joint_liability": _l("Joint liability"),
    "focus_top": _l("Top 30 %"), "focus_bottom": _l("Bottom 10 %"), "override": _l("Overridden"),
    "no_promotion": _l("No promotion this year"), "reminder_talk": _l("Reminder talk"),
    "band_red": _l("Red band"), "band_yellow": _l("Yellow band"), "band_blue": _l("Blue band"),
    "mostly_weak_quarters": _l("Mostly weak quarters"), "no_score": _l("No score"),
    "reweighted": _l("Weights shifted"), "serious_problem": _l("Serious problem (突出问题)"),
    "monthly_mean": _l("Months counted"),
}
# What each flag means, for the legend and the hint on the grading and results pages.
FLAG_HINTS = {
    "tie_at_quota_boundary": _l("Tied on the same score at the quota boundary: nobody was "
                                "picked by an arbitrary rule, all got the next grade. The "
                                "committee decides; enter its decision as an override."),
    "over_quota": _l("The score reaches the higher grade, but the unit's quota for it was used "
                     "up by higher scores: one grade lower."),
    "veto": _l("A veto item (一票否决) was recorded: the grade is capped at the lowest."),
    "deducted": _l("Penalty points were deducted from the score."),
    "joint_liability": _l("A member of the leadership team (班子) has a veto or a serious "
                          "problem: the team's annual grade is capped, the unit's annual top-grade "
                          "quota is lowered and its principal leader is called to a talk "
                          "(连带责任)."),
    "serious_problem": _l("A negative-list item marked as a serious problem (突出问题): on a "
                          "member of a leadership team it brings joint liability in the annual "
                          "assessment."),
    "focus_top": _l("In the top 30 % of the ranking of the same category (两头: to be "
                    "commended)."),
    "focus_bottom": _l("In the bottom 10 % of the ranking of the same category (两头: to be "
                       "talked to)."),
    "override": _l("The grade was changed by hand, with a reason (see the assessment's "
                   "history)."),
    "no_promotion": _l("Three quarters graded 较差: no promotion this year."),
    "reminder_talk": _l("Two quarters graded 较差: a reminder talk (提醒谈话)."),
    "band_red": _l("Red band: first third of the ranking."),
    "band_yellow": _l("Yellow band: middle third of the ranking."),
    "band_blue": _l("Blue band: last third of the ranking."),
    "mostly_weak_quarters": _l("More than half of the quarters were 一般 or 较差: at best "
                               "基本称职."),
    "no_score": _l("No score yet (nothing scored): not graded, takes no quota."),
    "reweighted": _l("A part of the score was missing: its weight went to the other parts."),
    "monthly_mean": _l("The mean of this quarter's monthly scores (月度自评) is weighed into "
                       "the score, as the cycle's monthly setting says."),
    "bonus_capped": _l("Bonus points above the cap were not counted."),
    "penalty_capped": _l("Penalty points above the cap were not counted."),
    "team_grade_capped": _l("A team member has a veto or a serious problem: the team's annual "
                            "grade is capped."),
    "members_not_graded": _l("Some team members have no grade yet (the number follows)."),
    "missing_quarter": _l("This quarter (number shown) has no result: the annual rule for "
                          "missing quarters applies."),
    "missing_quarters": _l("Quarters without a result (count shown)."),
    "missing_rule_mean_of_present": _l("Missing quarters are left out: the mean of the quarters "
                                       "present counts."),
    "missing_rule_count_as_general": _l("Missing quarters count as 一般."),
    "missing_rule_exclude_from_excellent": _l("With a missing quarter, 优秀 is not possible."),
}


def flag_hint(flag):
    """The explanation of a flag ("" when there is none)."""
    return str(FLAG_HINTS.get(flag.split(":", 1)[0], ""))


@dataclass
class Row:
    assessment_id: int
    unit: str
    category: str
    name: str
    score: float | None
    grade: str | None
    rank: int | None
    flags: list
    state: str
    pay_pct: float | None
    version: int = 1
    cadre_id: int | None = None
    unit_id: int | None = None

    @property
    def band(self):
        return next((f[5:] for f in self.flags if f.startswith("band_")), None)

    @property
    def focus(self):
        return next((f[6:] for f in self.flags if f.startswith("focus_")), None)

    @property
    def other_flags(self):
        """Flags other than the band and the 两头 mark (those have their own columns)."""
        return [f for f in self.flags if not f.startswith(("band_", "focus_"))]


def can_see_results(user, cycle):
    return bool(cycle.org_units) and all(reads_all_of(user, u) for u in cycle.org_units)


def readable_cycle(cycle_id, user):
    """The cycle if `user` reads the results of all its units; 404 unknown, 403 outside."""
    cycle = db.session.get(Cycle, cycle_id)
    if cycle is None:
        raise NotFound()
    if not can_see_results(user, cycle):
        raise NotAllowed()
    return cycle


# The same columns, in the same order, as templates/results/teams.html.
TEAM_HEADERS = (_l("Unit"), _l("Team"), _l("Score"), _l("Grade"), _l("Flags"), _l("Members"))


def _flags(flags):
    return "、".join(flag_label(f) for f in flags or [])


def _team_rows(teams):
    for t in teams:
        yield [t.team.org_unit.name, t.team.name,
               float(t.score) if t.score is not None else None, t.grade,
               _flags(t.flags), f"{t.graded_count}/{t.member_count}"]


def flag_label(flag):
    base = flag.split(":", 1)[0]
    return str(FLAG_LABELS.get(base, flag)) + (f" {flag.split(':', 1)[1]}" if ":" in flag else "")


def result_rows(cycle, unit_id=None, public_only=False):
    tiers = merged_config(cycle.grading, cycle.kind).get("pay_tiers") or {}
    query = (select(Assessment, User.display_name, OrgUnit.name, OrgUnit.category)
             .join(User, User.id == Assessment.cadre_id)
             .join(OrgUnit, OrgUnit.id == Assessment.org_unit_id)
             .where(Assessment.cycle_id == cycle.id, Assessment.grade.is_not(None))
             .order_by(OrgUnit.name, Assessment.rank, User.display_name))
    if unit_id is not None:
        query = query.where(Assessment.org_unit_id == unit_id)
    if public_only:
        query = query.where(Assessment.state.in_(PUBLIC_STATES))
    return [Row(a.id, unit, category, name, float(a.score) if a.score is not None else None,
                a.grade, a.rank, list(a.flags or []), a.state, tiers.get(a.grade), a.version,
                a.cadre_id, a.org_unit_id)
            for a, name, unit, category in db.session.execute(query)]


def units_of(rows):
    """[(unit_id, unit name)] in the order of the rows (for the 登记表 links)."""
    return list(dict.fromkeys((r.unit_id, r.unit) for r in rows))


def by_category(rows):
    """Rank lists: {category: rows by rank}, categories in name order."""
    lists = {}
    for r in rows:
        lists.setdefault(r.category or "", []).append(r)
    return {c: sorted(rs, key=lambda r: (r.rank is None, r.rank or 0, r.name))
            for c, rs in sorted(lists.items())}


def distribution(cycle, rows):
    """(grade, count, percent) in the configured grade order, for the chart."""
    counts = Counter(r.grade for r in rows)
    total = len(rows) or 1
    return [(g["grade"], counts.get(g["grade"], 0), round(100 * counts.get(g["grade"], 0) / total))
            for g in merged_config(cycle.grading, cycle.kind)["grades"]]


# The same columns, in the same order, as the ranking table of templates/results/index.html.
HEADERS = (_l("Unit"), _l("Category"), _l("Full name"), _l("Score"), _l("Grade"), _l("Rank"),
           _l("Flags"), _l("Performance pay (percent)"), _l("State"))
RESULTS_SHEET, TEAMS_SHEET = _l("Results"), _l("Team results")


def results_xlsx(cycle, rows, state_label, teams=()):
    """The organisation department's filing copy (备案) as an XLSX workbook: the people,
    and the teams (班子) on a second sheet when the cycle graded any."""
    sheets = [Sheet(str(RESULTS_SHEET), [str(h) for h in HEADERS],
                    _result_rows(rows, state_label), [cycle.name])]
    if teams:
        sheets.append(Sheet(str(TEAMS_SHEET), [str(h) for h in TEAM_HEADERS],
                            _team_rows(teams), [cycle.name]))
    return xlsx_bytes(sheets)


def _result_rows(rows, state_label):
    for r in rows:
        yield [r.unit, r.category, r.name, r.score, r.grade, r.rank,
               _flags(r.flags), r.pay_pct, str(state_label(r.state))]

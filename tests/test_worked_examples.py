"""The worked examples of issue 5's "done when", through the real services and API on
both databases: reports approved through the workflow, negative items recorded by the
auditor, `POST /cycles/{id}/grade`, then `GET /cycles/{id}/results` and `/teams`.

The numbers of each example are written out so they can be checked by hand.
Pure-rule tables are in tests/test_scoring_rules.py (annual caps, missing-quarter
scores); tests/test_grading.py has the 3-person tie, the veto's quota cut in a unit
without a team, and the annual record with two 好 vs two 较差. This table adds the
cases of the issue at their own numbers, the teams (班子) and the missing-quarter rules.

Unit 东街社区 (a1, a2, a3 and, where an example needs more people, p4 … p10), all
approved through supervisor sup_a → committee com_a1 (the score) → secretary sec_a.
"""

from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT, cycle_data, make_user
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles.services import create_cycle as create_cycle_service
from workflow_app.cycles.services import open_cycle
from workflow_app.extensions import db
from workflow_app.people.teams import add_member, create_team
from workflow_app.scoring.negative import record_negative_item

# Annual grades with a 40 % 优秀 quota, so one of 东街社区's three (a1–a3) may get it:
# floor(0.4 × 3) = 1 (the default 20 % of three rounds down to nobody).
ANNUAL_40 = {"grades": [{"grade": "优秀", "min": 90, "quota": 0.4},
                        {"grade": "称职", "min": 70}, {"grade": "基本称职", "min": 60},
                        {"grade": "不称职", "min": 0}]}
POOR, WEAK, GOOD = ("较差", 55), ("一般", 65), ("好", 92)


@dataclass
class Example:
    scores: dict                                   # who is approved, with the committee score
    expect: dict                                   # who -> (grade, flags that must be there)
    extra: int = 0                                 # extra cadres p4 … p(3 + extra)
    vetoes: tuple = ()                             # 一票否决 items recorded by the auditor
    team: dict = field(default_factory=dict)       # 班子 of 东街社区: who -> position
    team_expect: tuple | None = None               # (score, grade, flags) of the team
    quarters: dict | None = None                   # annual: who -> [(grade, score) per quarter]
    grading: dict | None = None
    score: dict = field(default_factory=dict)      # exact final scores to check
    absent: dict = field(default_factory=dict)     # who -> flags that must NOT be there


EXAMPLES = [
    # Tie at the quota boundary. Ten people, 好 needs ≥ 90 and at most floor(0.4 × 10) = 4.
    # At or above 90: 98, 96, 94, 92 (p4), 92 (p5): five for four places. The 4th and 5th
    # both have 92, so neither is picked: both get the next grade (较好) and the flag
    # tie_at_quota_boundary; 好 goes to 3 people (quota never exceeded, nobody chosen
    # arbitrarily). 88, 85, 80 → 较好 (≥ 75); 70 → 一般 (≥ 60); 55 → 较差.
    pytest.param(Example(
        extra=7,
        scores={"a1": 98, "a2": 96, "a3": 94, "p4": 92, "p5": 92, "p6": 88, "p7": 85,
                "p8": 80, "p9": 70, "p10": 55},
        expect={"a1": ("好", set()), "a2": ("好", set()), "a3": ("好", set()),
                "p4": ("较好", {"tie_at_quota_boundary"}),
                "p5": ("较好", {"tie_at_quota_boundary"}),
                "p6": ("较好", set()), "p7": ("较好", set()), "p8": ("较好", set()),
                "p9": ("一般", set()), "p10": ("较差", set())},
        absent={"a3": {"tie_at_quota_boundary"}}),
        id="tie-10-people-quota-4"),
    # Veto: a1 scores 95 (≥ 90 would be 好) but has a 一票否决 item → the lowest grade,
    # 较差, whatever the score; the score itself stays 95.00. a2 80 → 较好, a3 65 → 一般.
    pytest.param(Example(
        scores={"a1": 95, "a2": 80, "a3": 65}, vetoes=("a1",),
        expect={"a1": ("较差", {"veto"}), "a2": ("较好", set()), "a3": ("一般", set())},
        score={"a1": "95.00"}),
        id="veto-95-lowest-grade"),
    # A team veto in a quarter. Five people; the 班子 of 东街社区 is a1 (书记) and a2
    # (主任); a2 has a veto. Joint liability is about the team's *annual* grade (001 seed),
    # so the quarter's 好 quota stays floor(0.4 × 5) = 2. a2 93 → 较差 (veto, only a2).
    # At or above 90 otherwise: a1 96, a3 91 → 好; p4 90 → 较好, over_quota. p5 70 → 一般.
    # Team score = mean(96, 93) = 94.50 → 好, not capped in a quarter; nobody is flagged.
    pytest.param(Example(
        extra=2, scores={"a1": 96, "a2": 93, "a3": 91, "p4": 90, "p5": 70},
        vetoes=("a2",), team={"a1": "书记", "a2": "主任"},
        expect={"a1": ("好", set()), "a2": ("较差", {"veto"}), "a3": ("好", set()),
                "p4": ("较好", {"over_quota"}), "p5": ("一般", set())},
        absent={n: {"joint_liability"} for n in ("a1", "a2", "a3", "p4", "p5")},
        team_expect=(94.5, "好", set())),
        id="quarterly-team-veto-no-joint-liability"),
    # A team is recorded (a1, a2) and nobody in it is vetoed: a veto on p4, who is not
    # in the team, caps p4 only; the unit's quota stays floor(0.4 × 5) = 2 → a1 96 and
    # a3 94 both get 好. Team mean(96, 80) = 88.00 → 较好 (no cap).
    pytest.param(Example(
        extra=2, scores={"a1": 96, "a2": 80, "a3": 94, "p4": 92, "p5": 70},
        vetoes=("p4",), team={"a1": "书记", "a2": "主任"},
        expect={"a1": ("好", set()), "a3": ("好", set()), "p4": ("较差", {"veto"})},
        absent={"a1": {"joint_liability"}, "a3": {"joint_liability", "over_quota"}},
        team_expect=(88.0, "较好", set())),
        id="veto-outside-the-team-no-quota-cut"),
    # Joint liability in an annual cycle (the seed's case: 班子年度考核为"一般"); the team
    # is flagged, its members are not. Every
    # quarter 好 92. Annual score = 0.3 × 92 + 0.7 × review: a1 27.6 + 66.5 = 94.10,
    # a2 (vetoed) 27.6 + 64.4 = 92.00. 优秀 quota floor(0.4 × 3) = 1 halved to
    # floor(0.2 × 3) = 0 → a1 称职 (over_quota), a2 不称职 (veto).
    # Team (annual scale 优秀/良好/一般/较差 on 90/70/60/0): mean(94.10, 92.00) = 93.05
    # → 优秀 by the thresholds, capped at 一般.
    pytest.param(Example(
        scores={"a1": 95, "a2": 92}, vetoes=("a2",), team={"a1": "书记", "a2": "委员"},
        quarters={"a1": [GOOD] * 4, "a2": [GOOD] * 4}, grading=ANNUAL_40,
        expect={"a1": ("称职", {"over_quota"}), "a2": ("不称职", {"veto"})},
        absent={"a1": {"joint_liability"}, "a2": {"joint_liability"}},
        score={"a1": "94.10", "a2": "92.00"},
        team_expect=(93.05, "一般", {"joint_liability", "team_grade_capped"})),
        id="annual-joint-liability-team-一般"),
    # Annual, three 较差 quarters (55, 55, 55) and one 好 (92); annual review 95.
    # Score = 0.3 × mean(55, 55, 55, 92) + 0.7 × 95 = 0.3 × 64.25 + 66.5 = 85.775 → 85.78
    # (称职 by the thresholds). 3 of 4 quarters 较差 is more than half → 不称职;
    # three 较差 → no_promotion.
    pytest.param(Example(
        scores={"a1": 95}, quarters={"a1": [POOR, POOR, POOR, GOOD]}, grading=ANNUAL_40,
        expect={"a1": ("不称职", {"no_promotion", "mostly_weak_quarters"})},
        score={"a1": "85.78"}, absent={"a1": {"reminder_talk"}}),
        id="annual-three-较差-不称职-no-promotion"),
    # Annual, two 较差 (55, 55), one 一般 (65), one 好 (92); annual review 95.
    # Score = 0.3 × mean(55, 55, 65, 92) + 0.7 × 95 = 0.3 × 66.75 + 66.5 = 86.525 → 86.53
    # (称职 by the thresholds). 一般 or 较差 in 3 of 4 quarters is more than half → at best
    # 基本称职; 较差 in 2 of 4 is not more than half → not 不称职. Two 较差 → reminder_talk.
    pytest.param(Example(
        scores={"a1": 95}, quarters={"a1": [POOR, POOR, WEAK, GOOD]}, grading=ANNUAL_40,
        expect={"a1": ("基本称职", {"reminder_talk", "mostly_weak_quarters"})},
        score={"a1": "86.53"}, absent={"a1": {"no_promotion"}}),
        id="annual-two-较差-reminder-talk-基本称职"),
    # Missing quarters, default rule mean_of_present: a1 on leave in Q3 and Q4.
    # Q1 好 92, Q2 好 94: score = 0.3 × 93 + 0.7 × 95 = 27.9 + 66.5 = 94.40; two 好 and
    # no 一般/较差 among the quarters present → 优秀 (the one place of the quota).
    pytest.param(Example(
        scores={"a1": 95}, quarters={"a1": [GOOD, ("好", 94)]}, grading=ANNUAL_40,
        expect={"a1": ("优秀", {"missing_quarter:3", "missing_quarter:4", "missing_quarters:2",
                               "missing_rule_mean_of_present"})},
        score={"a1": "94.40"}),
        id="missing-quarters-mean-of-present"),
    # Rule count_as_一般: Q3 and Q4 count as 一般 scoring 60.
    # Score = 0.3 × mean(92, 94, 60, 60) + 0.7 × 95 = 0.3 × 76.5 + 66.5 = 89.45 → 称职
    # (below 90; the two 一般 also bar 优秀; 2 of 4 is not more than half).
    pytest.param(Example(
        scores={"a1": 95}, quarters={"a1": [GOOD, ("好", 94)]},
        grading={**ANNUAL_40, "missing_quarters": "count_as_一般"},
        expect={"a1": ("称职", {"missing_quarters:2", "missing_rule_count_as_general"})},
        score={"a1": "89.45"}),
        id="missing-quarters-count-as-一般"),
    # Rule exclude_from_excellent: the score is that of the quarters present, 94.40, but
    # a year with a missing quarter cannot be 优秀 → 称职.
    pytest.param(Example(
        scores={"a1": 95}, quarters={"a1": [GOOD, ("好", 94)]},
        grading={**ANNUAL_40, "annual": {"missing_quarters": "exclude_from_excellent"}},
        expect={"a1": ("称职", {"missing_quarters:2", "missing_rule_exclude_from_excellent"})},
        score={"a1": "94.40"}),
        id="missing-quarters-exclude-from-excellent"),
]


def _people(world, extra):
    unit = world.units["a"]
    for n in range(4, 4 + extra):
        world.users[f"p{n}"] = make_user(f"p{n}", unit, ["cadre"], supervisor=world.sup_a)
    db.session.commit()


def _history(world, clock, quarters):
    """Past quarters of 2026 whose results are final (history, set directly)."""
    for n in range(1, 1 + max(len(r) for r in quarters.values())):
        cycle = create_cycle_service(world.admin, cycle_data(
            world, clock, quarter=n, name=f"2026年第{n}季度"), [world.units["a"]])
        open_cycle(cycle, world.admin)
        for a in db.session.scalars(select(Assessment).where(Assessment.cycle_id == cycle.id)):
            record = quarters.get(a.cadre.username, [])
            if n <= len(record):
                a.state, (a.grade, a.score) = "final", record[n - 1]
            # else: on leave or transferred, no result that quarter (left in drafting)
    db.session.commit()


def _approve(world, cycle, username, score):
    cadre = world.users[username]
    a = db.session.scalar(select(Assessment).where(Assessment.cadre_id == cadre.id,
                                                   Assessment.cycle_id == cycle.id))
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    for reviewer, given in ((world.sup_a, None), (world.com_a1, score), (world.sec_a, None)):
        if a.state != "approved":
            fire_event(a, "approve", reviewer, score=given)
    assert a.state == "approved"
    return a


def _team(world, members):
    team = create_team(world.admin, world.units["a"], "东街社区两委班子")
    for name, position in members.items():
        add_member(world.admin, team, world.users[name], position)
    return team


@pytest.mark.parametrize("ex", EXAMPLES)
def test_worked_example(world, create_cycle, clock, api, ex):
    _people(world, ex.extra)
    if ex.quarters:
        _history(world, clock, ex.quarters)
        cycle = create_cycle(units=[world.units["a"]], kind="annual", quarter=None,
                             workflow="annual", name="2026年度考核", grading=ex.grading)
    else:
        cycle = create_cycle(units=[world.units["a"]], grading=ex.grading)
    if ex.team:
        _team(world, ex.team)
    approved = {name: _approve(world, cycle, name, s) for name, s in ex.scores.items()}
    for name in ex.vetoes:
        record_negative_item(approved[name], world.audit, kind="veto", reason="经查实")
    db.session.commit()

    admin = api.as_user("admin")
    assert admin.post(f"/cycles/{cycle.id}/grade").status_code == 200
    results = {r["cadre_id"]: r for r in admin.get(f"/cycles/{cycle.id}/results").get_json()}
    got = {name: results[world.users[name].id] for name in ex.scores}
    for name, (grade, flags) in ex.expect.items():
        assert (got[name]["grade"], flags - set(got[name]["flags"])) == (grade, set()), name
    for name, flags in ex.absent.items():
        assert not flags & set(got[name]["flags"]), name
    for name, score in ex.score.items():
        assert f"{got[name]['score']:.2f}" == score, name
    teams = admin.get(f"/cycles/{cycle.id}/teams").get_json()
    if ex.team_expect:
        score, grade, flags = ex.team_expect
        (team,) = teams
        assert (team["score"], team["grade"], set(team["flags"])) == (score, grade, flags)
        assert {m["user_id"] for m in team["members"]} == {world.users[n].id for n in ex.team}
    else:
        assert teams == []

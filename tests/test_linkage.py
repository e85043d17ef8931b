"""秦皇岛 (seed 003): task ownership (牵头单位 / 总负责 / 责任单位), per-unit weights (北戴河)
and 市县同责连带考核 — the worked examples of the README's rules, on both databases."""

import pytest
from sqlalchemy import select

from tests import linkage_helpers as q
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.ownership import owned_tasks_for, set_ownership, tasks_for_unit
from workflow_app.cycles.unit_weights import set_unit_weights, unit_items, units_that_differ
from workflow_app.errors import Invalid, NotAllowed, NotFound, WrongState
from workflow_app.extensions import db
from workflow_app.scoring.linkage import record_completions, summarize
from workflow_app.scoring.services import grade_cycle

RATES = {"haigang": 100, "shanhaiguan": 80, "beidaihe": 60}


@pytest.fixture
def qhd(world):
    return q.build(world)


@pytest.fixture
def open_cycle(world, create_cycle):
    def make(**grading):
        return create_cycle(units=[world.units["depts"], world.units["counties"]],
                            committee_stage=False, grading=grading or None)
    return make


def _cycle_item(cycle, name=q.LINKED):
    return db.session.scalar(select(ind.CycleIndicatorItem).where(
        ind.CycleIndicatorItem.cycle_id == cycle.id, ind.CycleIndicatorItem.name == name))


def _rates(world, cycle, rates, actor=None):
    rows = [{"unit_id": world.units[k].id, "rate": v} for k, v in rates.items()]
    record_completions(cycle, actor or world.admin, _cycle_item(cycle).id, rows, "统计局季报")
    db.session.commit()


def _beidaihe_weights(world, sheet):
    weights = {q.item_of(sheet, n).id: w for n, w in q.BEIDAIHE.items()}
    set_unit_weights(world.admin, sheet, world.units["beidaihe"], weights,
                     "北戴河区功能定位：生态旅游与生命健康")
    db.session.commit()


# --- 2. task ownership ----------------------------------------------------------------------

def test_ownership_is_kept_on_sheet_saves_copied_and_shown_to_those_concerned(
        world, qhd, open_cycle):
    sheet = qhd["county"]
    q.link(world, sheet)
    ind.save_sheet(world.admin, sheet, q.county_sheet())  # the editor saves the sheet again
    db.session.commit()
    assert q.item_of(sheet, q.LINKED).lead_unit_id == world.units["gx"].id
    cycle = open_cycle()
    copy = _cycle_item(cycle)
    assert (copy.lead_unit_id, copy.lead_cadre_id, copy.responsible_unit_ids) == (
        world.units["gx"].id, world.gx_lead.id, [world.units["haigang"].id])
    (lead,) = tasks_for_unit(cycle.id, world.units["gx"].id)
    assert (lead["lead_unit"], lead["lead_cadre"], lead["responsible_units"],
            lead["roles"]) == ("市工信局", "gx_lead", ["海港区"], ["lead_unit"])
    assert tasks_for_unit(cycle.id, world.units["haigang"].id)[0]["roles"] == [
        "responsible_unit"]
    assert tasks_for_unit(cycle.id, world.units["beidaihe"].id) == []
    assert [(t["name"], t["roles"], t["cycle"]) for t in owned_tasks_for(world.gx_lead.id)] == [
        (q.LINKED, ["lead_unit", "lead_cadre"], cycle.name)]


def test_ownership_changes_are_audited(world, qhd):
    item = q.link(world, qhd["county"])
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject_type == "indicator_item", AuditEntry.subject_id == item.id))
    assert entry.action == "ownership" and entry.data["after"]["linkage_weight"] == "10.00"
    assert entry.data["before"]["lead_unit_id"] is None


@pytest.mark.parametrize("change, field, code", [
    ({"lead_unit_id": None}, "linkage_weight", "linkage_needs_lead"),
    ({"linkage_weight": 0}, "linkage_weight", "out_of_range"),
    ({"linkage_weight": 101}, "linkage_weight", "out_of_range"),
    ({"linkage_average": "median"}, "linkage_average", "unknown"),
    ({"responsible_unit_ids": "gx"}, "responsible_unit_ids", "not_a_list"),
    ({"lead_unit_id": 999999}, "lead_unit_id", "not_found"),
])
def test_bad_ownership_is_refused_beside_the_field(world, qhd, change, field, code):
    data = {"lead_unit_id": world.units["gx"].id, "linkage_weight": 10, **change}
    with pytest.raises(Invalid) as err:
        set_ownership(world.admin, qhd["county"], q.item_of(qhd["county"], q.LINKED), data)
    assert err.value.fields[field] == code


@pytest.mark.parametrize("who, names", [
    ("town_admin", {}),                       # org_admin, but not of a top-level unit
    ("a1", {}),                               # a cadre
    ("admin", {"lead_unit_id": "other_root"}),  # a unit outside the admin's tree
    ("admin", {"responsible_unit_ids": "other_root"}),
    ("admin", {"lead_cadre_id": "outsider"}),  # not a 市管干部 of this city
])
def test_ownership_outside_role_or_scope_is_forbidden(world, qhd, who, names):
    data = {}
    for field, name in names.items():
        ref = world.users[name].id if field == "lead_cadre_id" else world.units[name].id
        data[field] = [ref] if field == "responsible_unit_ids" else ref
    with pytest.raises(NotAllowed):
        set_ownership(world.users[who], qhd["county"], q.item_of(qhd["county"], q.LINKED), data)


# --- 3. 市县同责连带考核: worked examples ---------------------------------------------------
# Linked indicator 制造业增加值占地区生产总值比重: lead 市工信局, linkage weight L = 10; gx1's
# review score 90. 北戴河 weighs the indicator 5 (its own weight), the others 10.
# | 海港/山海关/北戴河 | average  | mean                       | points | mode    | score         |
# | 100 / 80 / 60      | mean     | 80                         | 8      | replace | 90×0.9+8 = 89 |
# | 100 / 80 / 60      | mean     | 80                         | 8      | add     | 90+8 = 98     |
# | 100 / 80 / 60      | weighted | (1000+800+300)/25 = 84     | 8.4    | replace | 81+8.4 = 89.4 |
# | 120 / 80 / 60      | mean     | (100+80+60)/3 (cap 100 %)  | 8      | replace | 89            |
# | 100 / 80 / —       | mean     | 90 (北戴河 not recorded)   | 9      | replace | 81+9 = 90     |
WORKED = [
    ({"haigang": 100, "shanhaiguan": 80, "beidaihe": 60}, "mean", "replace", "80.00", "8.00",
     "89.00"),
    ({"haigang": 100, "shanhaiguan": 80, "beidaihe": 60}, "mean", "add", "80.00", "8.00",
     "98.00"),
    ({"haigang": 100, "shanhaiguan": 80, "beidaihe": 60}, "weighted", "replace", "84.00",
     "8.40", "89.40"),
    ({"haigang": 120, "shanhaiguan": 80, "beidaihe": 60}, "mean", "replace", "80.00", "8.00",
     "89.00"),
    ({"haigang": 100, "shanhaiguan": 80}, "mean", "replace", "90.00", "9.00", "90.00"),
]


@pytest.mark.parametrize("rates, average, mode, mean, points, score", WORKED)
def test_worked_example_of_the_linkage(world, qhd, open_cycle, rates, average, mode, mean,
                                       points, score):
    _beidaihe_weights(world, qhd["county"])
    q.link(world, qhd["county"], average=average, mode=mode)
    cycle = open_cycle()
    a = q.approve(world, cycle, "gx1", 90)
    _rates(world, cycle, rates)
    (linked,) = summarize(cycle)
    assert [(c.unit.name, c.weight) for c in linked.counties] == [
        ("海港区", 10), ("山海关区", 10), ("北戴河区", 5)]
    assert (linked.mean, linked.points) == (q.d(mean), q.d(points))
    grade_cycle(cycle, world.admin)
    db.session.commit()
    assert a.score == q.d(score) and "linkage" in a.flags


def test_the_lead_units_score_changes_by_the_computed_amount(world, qhd, open_cycle):
    q.link(world, qhd["county"])
    cycle = open_cycle()
    a = q.approve(world, cycle, "gx1", 90)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    assert a.score == 90 and "linkage_missing" in a.flags  # no county recorded yet
    _rates(world, cycle, RATES)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    # −10 % of the review score (the 10 points the counties now decide) + 8 points
    assert a.score - 90 == q.d("-9.00") + q.d("8.00")


def test_a_lead_unit_in_another_cycle_of_the_same_quarter_gets_its_points(
        world, qhd, create_cycle):
    q.link(world, qhd["county"])
    depts = create_cycle(units=[world.units["depts"]], committee_stage=False)
    counties = create_cycle(units=[world.units["counties"]], committee_stage=False,
                            name="2026年第一季度 县区")
    a = q.approve(world, depts, "gx1", 90)
    _rates(world, counties, RATES)
    grade_cycle(depts, world.admin)
    db.session.commit()
    assert a.score == q.d("89.00")


def test_the_rate_cap_is_a_cycle_setting(world, qhd, open_cycle):
    q.link(world, qhd["county"])
    cycle = open_cycle(linkage_rate_cap=120)
    _rates(world, cycle, {"haigang": 120, "shanhaiguan": 80, "beidaihe": 60})
    assert summarize(cycle)[0].mean == q.d("86.67")


@pytest.mark.parametrize("who", ["town_admin", "a1", "audit", "gx_sup"])
def test_only_the_cycles_org_admin_records_rates(world, qhd, open_cycle, who):
    q.link(world, qhd["county"])
    cycle = open_cycle()
    with pytest.raises(NotAllowed):
        _rates(world, cycle, RATES, actor=world.users[who])


@pytest.mark.parametrize("rows, field, code", [
    ([{"unit_id": "gx", "rate": 50}], "completions.0.unit_id", "not_a_county"),  # the lead
    ([{"unit_id": "a", "rate": 50}], "completions.0.unit_id", "not_a_county"),   # 社区
    ([{"unit_id": "haigang", "rate": -1}], "completions.0.rate", "out_of_range"),
    ([{"unit_id": "haigang", "rate": "很多"}], "completions.0.rate", "not_a_number"),
])
def test_bad_rates_are_refused(world, qhd, create_cycle, rows, field, code):
    q.link(world, qhd["county"])
    cycle = create_cycle(units=[world.units["root"]], committee_stage=False)
    rows = [{**r, "unit_id": world.units[r["unit_id"]].id} for r in rows]
    with pytest.raises(Invalid) as err:
        record_completions(cycle, world.admin, _cycle_item(cycle).id, rows)
    assert err.value.fields[field] == code


def test_rates_are_audited_and_locked_once_published(world, qhd, open_cycle):
    q.link(world, qhd["county"])
    cycle = open_cycle()
    _rates(world, cycle, RATES)
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject_type == "linkage_completion"))
    assert entry.comment == "统计局季报" and entry.data["rates"]["北戴河区"] == "60.00"
    cycle.status = "published"
    db.session.commit()
    with pytest.raises(WrongState):
        _rates(world, cycle, {"beidaihe": 70})


def test_an_unlinked_item_takes_no_rates(world, qhd, open_cycle):
    cycle = open_cycle()
    with pytest.raises(Invalid) as err:
        record_completions(cycle, world.admin, _cycle_item(cycle).id, [])
    assert err.value.fields == {"item_id": "not_linked_item"}


# --- 4. weights adjusted per unit (北戴河) ------------------------------------------------------
# | indicator                                   | sheet | 北戴河 |
# | 制造业增加值占地区生产总值比重 and 3 more     | 10 ×4 | 5 ×4   |
# | 战略性新兴产业总产值占规上工业总产值比重 and 4 | 8 ×5  | 12 ×5  |
# | 一般公共预算收入 / 固定资产投资 / 居民收入     | 7,7,6 | 7,7,6  |
# | total                                       | 100   | 100    |

def test_beidaihe_weights_are_listed_copied_and_used(world, qhd, open_cycle):
    sheet = qhd["county"]
    _beidaihe_weights(world, sheet)
    (differ,) = units_that_differ(sheet)
    assert differ["unit"].name == "北戴河区" and len(differ["items"]) == 9
    assert {i.name: (base, mine) for i, base, mine in differ["items"]}[q.RAISED[0]] == (8, 12)
    cycle = open_cycle()
    mine = {i.name: w for i, w in unit_items(cycle.id, world.units["beidaihe"])}
    assert mine[q.LOWERED[0]] == 5 and mine[q.RAISED[0]] == 12 and sum(mine.values()) == 100
    theirs = {i.name: w for i, w in unit_items(cycle.id, world.units["haigang"])}
    assert theirs[q.LOWERED[0]] == 10 and sum(theirs.values()) == 100
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject_type == "unit_weights"))
    assert entry.comment.startswith("北戴河区功能定位")
    assert entry.data["after"][q.RAISED[0]] == "12.00"


def test_weights_that_do_not_add_up_to_100_are_refused_with_the_sum(world, qhd):
    sheet = qhd["county"]
    with pytest.raises(Invalid) as err:
        set_unit_weights(world.admin, sheet, world.units["beidaihe"],
                         {q.item_of(sheet, q.LOWERED[0]).id: 5}, "调低制造业")
    assert err.value.fields == {"weights": "unit_weights_sum"} and "95" in str(err.value.message)


@pytest.mark.parametrize("who, unit, error", [
    ("town_admin", "beidaihe", NotAllowed),   # org_admin, not of the city
    ("a1", "beidaihe", NotAllowed),           # a cadre
    ("admin", "other_root", NotAllowed),      # outside the admin's tree
    ("admin", "gx", NotFound),                # 经济发展类 does not use the 县区 sheet
])
def test_unit_weights_outside_role_or_scope(world, qhd, who, unit, error):
    with pytest.raises(error):
        set_unit_weights(world.users[who], qhd["county"], world.units[unit], {}, "理由")


def test_a_sheet_change_that_breaks_a_units_sum_is_refused(world, qhd):
    sheet = qhd["county"]
    _beidaihe_weights(world, sheet)
    kept = q.county_sheet()          # 一般公共预算收入 7 → 11, 居民收入 6 → 2: 北戴河 20+60+11+7+2
    kept["items"][-3]["weight"], kept["items"][-1]["weight"] = 11, 2
    ind.save_sheet(world.admin, sheet, kept)
    db.session.commit()
    broken = q.county_sheet()        # 制造业 removed, its 10 to 一般预算 (17): the sheet is 100,
    broken["items"] = broken["items"][1:]   # 北戴河 15 + 60 + 17 + 7 + 6 = 105
    broken["items"][-3]["weight"] = 17
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, sheet, broken)
    db.session.rollback()
    assert err.value.fields == {"weights": "unit_weights_sum"}
    assert "北戴河区 105" in str(err.value.message)


def test_the_record_shows_the_tasks_of_the_cadre(world, qhd, open_cycle, api):
    q.link(world, qhd["county"])
    db.session.commit()
    cycle = open_cycle()
    body = api.as_user("admin").get(f"/people/{world.gx_lead.id}/record").get_json()
    (tasks,) = [s for s in body["sections"] if s["key"] == "tasks"]
    assert [(r["cycle"], r["name"], r["lead_unit"], r["lead_cadre"], r["responsible_units"])
            for r in tasks["rows"]] == [(cycle.name, q.LINKED, "市工信局", "gx_lead", "海港区")]

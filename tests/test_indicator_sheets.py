"""Indicator sheets (考核指标): weights add up to 100, caps, the copy a cycle takes when it
opens, pre-filled report rows, and bonus / penalty entries in the final score."""

import re
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import FULL_REPORT
from tests.indicator_helpers import assessment_of, item_named, sheet
from tests.web.conftest import Auth
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import record_adjustment
from workflow_app.errors import Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.scoring.services import grade_cycle


@pytest.fixture
def auth(app, client):
    return Auth(app, client)



# --- the sheet's own rules ---------------------------------------------------------------

@pytest.mark.parametrize("weights, total", [((40, 50), "90"), ((60, 50), "110"),
                                            ((33.3, 33.3, 33.3), "99.9")])
def test_weights_must_add_up_to_100(world, weights, total):
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, sheet(weights=weights))
    assert err.value.fields == {"weights": "weights_sum"}
    assert total in str(err.value.message)


@pytest.mark.parametrize("weights", [(100,), (30, 20, 50), (33.34, 33.33, 33.33)])
def test_weights_of_exactly_100_are_accepted(world, weights):
    saved = ind.save_sheet(world.admin, None, sheet(weights=weights))
    db.session.commit()
    assert sum(i.weight for i in saved.items if i.kind in ind.WEIGHTED) == 100


@pytest.mark.parametrize("change, field, code", [
    ({"bonus_cap": -1}, "bonus_cap", "out_of_range"),
    ({"penalty_cap": ""}, "penalty_cap", "required"),
    ({"penalty_cap": "很多"}, "penalty_cap", "not_a_number"),
    ({"items": [{"kind": "common", "name": "全部", "weight": 100},
                {"kind": "bonus", "name": "表彰", "cap": ""}]}, "items.1.cap", "required"),
    ({"items": [{"kind": "common", "name": "全部", "weight": 100},
                {"kind": "penalty", "name": "失误", "cap": 101}]}, "items.1.cap",
     "out_of_range"),
    ({"items": [{"kind": "common", "name": "全部", "weight": -5},
                {"kind": "common", "name": "其他", "weight": 105}]}, "items.0.weight",
     "out_of_range"),
    ({"items": [{"kind": "extra", "name": "全部", "weight": 100}]}, "items.0.kind", "unknown"),
    ({"items": [{"kind": "common", "name": " ", "weight": 100}]}, "items.0.name", "required"),
])
def test_bad_sheets_are_refused_beside_the_field(world, change, field, code):
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, {**sheet(), **change})
    assert err.value.fields.get(field) == code


def test_one_sheet_per_category_and_copy_to_another(world):
    first = ind.save_sheet(world.admin, None, sheet("经济发展类"))
    with pytest.raises(Invalid) as err:
        ind.save_sheet(world.admin, None, sheet("经济发展类"))
    assert err.value.fields == {"category": "category_taken"}
    made = ind.copy_sheet(world.admin, first, "执法服务类")
    db.session.commit()
    assert made.category == "执法服务类"
    assert [(i.kind, i.name, i.weight, i.cap) for i in made.items] == [
        (i.kind, i.name, i.weight, i.cap) for i in first.items]


@pytest.mark.parametrize("statement", [
    "UPDATE indicator_item SET kind = 'extra'",
    "UPDATE indicator_item SET weight = -1 WHERE kind = 'common'",
    "UPDATE indicator_item SET cap = -1 WHERE kind = 'bonus'",
    "UPDATE indicator_item SET cap = NULL WHERE kind = 'penalty'",
    "UPDATE indicator_sheet SET bonus_cap = -1",
    "UPDATE indicator_sheet SET penalty_cap = -0.5",
])
def test_database_holds_the_invariants(world, statement):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement))
        db.session.flush()
    db.session.rollback()


# --- the copy a cycle takes when it opens ------------------------------------------------

def test_edits_after_opening_never_change_the_running_cycle(world, create_cycle):
    original = ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    changed = sheet(weights=(10, 90), bonus=(("表彰奖励", 1),), bonus_cap=1)
    ind.save_sheet(world.admin, original, changed)
    db.session.commit()
    (copy, items), = ind.cycle_sheets(cycle.id).values()
    assert copy.bonus_cap == 4 and copy.source_sheet_id == original.id
    assert [(i.name, i.weight, i.cap) for i in items] == [
        ("指标0", 40, None), ("指标1", 60, None), ("表彰奖励", 0, 3),
        ("经验推广", 0, 2), ("工作失误", 0, 5)]
    assert [i.name for i in original.items] == ["指标0", "指标1", "表彰奖励", "工作失误"]


def test_a_cycle_opened_before_any_sheet_has_no_copy(world, create_cycle):
    cycle = create_cycle()
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    assert ind.cycle_sheets(cycle.id) == {}


# --- the cadre's report ------------------------------------------------------------------

@pytest.mark.parametrize("category, expected", [
    ("社区", ["指标0", "指标1"]),        # the unit's own category
    ("", ["通用0"]),                     # no sheet for 社区: the general sheet
])
def test_report_rows_are_prefilled_from_the_cycle_copy(world, create_cycle, auth, category,
                                                       expected):
    ind.save_sheet(world.admin, None, {**sheet("乡镇"), "items": [
        {"kind": "common", "name": "乡镇指标", "weight": 100}]})
    if category:
        ind.save_sheet(world.admin, None, sheet(category))
    else:
        ind.save_sheet(world.admin, None, {**sheet(""), "items": [
            {"kind": "common", "name": "通用0", "standard": "标准", "weight": 100}]})
    db.session.commit()
    create_cycle()
    auth.login("a1")
    html = auth.main.get("/my").get_data(as_text=True)
    for n, name in enumerate(expected):
        assert re.search(f'<input[^>]* name="indicators-{n}-name"[^>]* value="{name}"', html)
    assert "乡镇指标" not in html and "表彰奖励" not in html  # bonus items are not reported on


def test_a_saved_report_is_not_prefilled_again(world, create_cycle, auth):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    save_report(assessment_of(world.a1), world.a1, FULL_REPORT)
    db.session.commit()
    auth.login("a1")
    html = auth.main.get("/my").get_data(as_text=True)
    assert "人口普查入户登记" in html and "指标0" not in html


# --- bonus and penalty entries -----------------------------------------------------------

def _approve(world, name, score):
    cadre = world.users[name]
    a = assessment_of(cadre)
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score - 1)
    fire_event(a, "approve", world.com_a1, score=score)
    fire_event(a, "approve", world.sec_a)
    return a


# Worked example. Sheet for 社区: 表彰奖励 cap 3, 经验推广 cap 2, total bonus cap 4;
# 工作失误 cap 5, total penalty cap 10.
# a1, review 85: 表彰奖励 2 + 2 = 4 → item cap 3; 经验推广 2 → bonus 5 → sheet cap 4;
#     工作失误 3 → 85 + 4 − 3 = 86.
# a2, review 80: 经验推广 1.5, 工作失误 5 + 5 = 10 → item cap 5 → 80 + 1.5 − 5 = 76.5.
# a3, review 70: nothing → 70.
WORKED = [
    ("a1", 85, [("表彰奖励", 2), ("表彰奖励", 2), ("经验推广", 2), ("工作失误", 3)], "86.00",
     {"bonus_capped"}),
    ("a2", 80, [("经验推广", 1.5), ("工作失误", 5), ("工作失误", 5)], "76.50",
     {"penalty_capped"}),
    ("a3", 70, [], "70.00", set()),
]


def test_worked_example_of_bonus_and_penalty_caps(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    cycle = create_cycle()
    approved = {}
    for name, score, entries, _final, _flags in WORKED:
        approved[name] = a = _approve(world, name, score)
        for item, points in entries:
            record_adjustment(a, world.admin, item_id=item_named(a, item).id, points=points,
                              reason="经核实")
    grade_cycle(cycle, world.admin)
    db.session.commit()
    for name, _score, _entries, final, flags in WORKED:
        a = approved[name]
        assert a.score == Decimal(final), name
        assert flags == {f for f in a.flags if f.endswith("_capped")}, name


@pytest.mark.parametrize("item, points, field, code", [
    ("表彰奖励", 3.5, "points", "over_item_cap"),
    ("表彰奖励", 0, "points", "out_of_range"),
    ("表彰奖励", "", "points", "required"),
    ("指标0", 1, "item_id", "not_capped_item"),  # an indicator, not a bonus item
    (None, 1, "item_id", "required"),
])
def test_entries_stay_within_the_item_cap(world, create_cycle, item, points, field, code):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    item_id = item_named(a, item).id if item else None
    with pytest.raises(Invalid) as err:
        record_adjustment(a, world.admin, item_id=item_id, points=points, reason="理由")
    assert err.value.fields[field] == code


def test_entries_are_audited(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    entry = record_adjustment(a, world.admin, item_id=item_named(a, "工作失误").id, points=2,
                              reason="被县政府通报批评")
    db.session.commit()
    logged = db.session.scalar(select(AuditEntry).where(
        AuditEntry.subject_type == "assessment_adjustment", AuditEntry.subject_id == entry.id))
    assert logged.comment == "被县政府通报批评" and logged.data["points"] == "2.00"


@pytest.mark.parametrize("who", ["a1", "sup_a", "com_a1", "town_admin", "audit"])
def test_others_may_not_record_entries(world, create_cycle, who):
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    create_cycle()
    a = assessment_of(world.a1)
    with pytest.raises(NotAllowed):
        record_adjustment(a, world.users[who], item_id=item_named(a, "表彰奖励").id, points=1,
                          reason="理由")

"""360-degree ratings (民主测评): assigned raters rate once; groups below the minimum are
folded and never shown; the cadre and colleagues never read an individual rating."""

from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from tests.factories import make_user
from tests.web import conftest as web_fixtures
from workflow_app.assessments.models import Assessment
from workflow_app.errors import Conflict, Invalid, NotAllowed
from workflow_app.extensions import db
from workflow_app.scoring.ratings import (
    assign_raters,
    assignments,
    rating_summary,
    submit_rating,
    suggest_raters,
)
from workflow_app.scoring.ratings_models import RaterAssignment, Rating
from workflow_app.scoring.ratings_rounds import close_round
from workflow_app.scoring.ratings_rules import rating_360, rating_settings

auth, fresh = web_fixtures.auth, web_fixtures.fresh  # the web UI fixtures, for the pages
WENSHANG = {"rating_weights": {"public": 50, "peer": 50}}


def _assessment(world, username="a1"):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[username].id))


def _people(world, prefix, n, unit="a"):
    return [make_user(f"{prefix}{i}", world.units[unit], ["rater"]) for i in range(1, n + 1)]


def _scores(value):
    if isinstance(value, dict):
        return value
    return dict.fromkeys(("de", "neng", "qin", "ji", "lian"), value)


def _rated(world, a, groups):
    """groups: {group: [score per rater]} → assigned and rated; returns the raters."""
    raters = {g: _people(world, g[:3], len(v)) for g, v in groups.items()}
    assign_raters(a, world.admin, [(u, g) for g, us in raters.items() for u in us])
    for g, values in groups.items():
        for user, value in zip(raters[g], values, strict=True):
            submit_rating(a, user, _scores(value))
    db.session.commit()
    return raters


# --- the rules, worked examples ---------------------------------------------------------------

D = Decimal
DEFAULT_W, _MIN = rating_settings({})


@pytest.mark.parametrize(("groups", "weights", "score", "shown", "flags"), [
    # All groups big enough: (92×40 + 83×30 + 70×20) / 90 = 7570 / 90 = 84.11
    ({"superior": [90, 92, 94], "peer": [80, 82, 84, 86], "subordinate": [70, 70, 70]},
     DEFAULT_W, D("84.11"), [("superior",), ("peer",), ("subordinate",)], []),
    # One subordinate: folded into the largest group (peers, 4 raters); the bucket carries
    # both weights: (92×40 + 78.4×50) / 90 = 7600 / 90 = 84.44. Subordinate never alone.
    ({"superior": [90, 92, 94], "peer": [80, 82, 84, 86], "subordinate": [60]},
     DEFAULT_W, D("84.44"), [("superior",), ("peer", "subordinate")], ["rating_360_folded"]),
    # One superior + two subordinates pool to three (weight 60): (80×60 + 85×30) / 90 = 81.67
    ({"superior": [90], "peer": [85, 85, 85], "subordinate": [70, 80]},
     DEFAULT_W, D("81.67"), [("peer",), ("superior", "subordinate")], ["rating_360_folded"]),
    # 汶上: 党员群众代表 50 / 同事互评 50: (87 × 50 + 81 × 50) / 100 = 84
    ({"public": [90, 85, 88, 92, 80], "peer": [80, 84, 78, 82]},
     rating_settings(WENSHANG)[0], D("84.00"), [("peer",), ("public",)], []),
    # A group the cycle does not weigh (superiors under 汶上) does not count at all.
    ({"public": [90, 90, 90], "peer": [70, 70, 70], "superior": [10, 10, 10]},
     rating_settings(WENSHANG)[0], D("80.00"), [("peer",), ("public",)], []),
    # Fewer raters than the minimum in total: no score, nothing shown.
    ({"superior": [90], "peer": [80]}, DEFAULT_W, None, [], ["rating_360_too_few_raters"]),
])
def test_group_weights_and_folding(groups, weights, score, shown, flags):
    result = rating_360({g: [D(v) for v in vs] for g, vs in groups.items()}, weights, 3)
    assert result.score == score
    assert sorted(b.groups for b in result.buckets) == sorted(shown)
    assert all(b.count >= 3 for b in result.buckets)
    assert result.flags == flags


def test_each_rater_counts_once_with_the_mean_of_five_dimensions():
    # Rater means 90 (from 86, 88, 90, 92, 94), 80, 70: the group mean is 80.
    result = rating_360({"peer": [D(90), D(80), D(70)]}, {"peer": D(30)}, 3)
    assert result.score == D("80.00")


# --- suggesting and assigning -----------------------------------------------------------------

@pytest.mark.parametrize(("grading", "expected"), [
    ({}, {("sup_a", "superior"), ("sec_a", "superior"), ("a2", "peer"), ("a3", "peer"),
          ("helper", "subordinate")}),
    (WENSHANG, {("a2", "peer"), ("a3", "peer")}),
])
def test_raters_suggested_from_the_org_tree(world, create_cycle, grading, expected):
    create_cycle(grading=grading)
    make_user("helper", world.units["a"], ["rater"], supervisor=world.a1)
    found = {(u.username, g) for u, g in suggest_raters(_assessment(world))}
    assert found == expected


@pytest.mark.parametrize(("who", "group", "error"), [
    ("a1", "peer", Invalid),          # the cadre themself
    ("a2", "chairman", Invalid),      # no such group
    ("sup_a", "superior", None),
])
def test_assigning_refuses_self_and_unknown_groups(world, create_cycle, who, group, error):
    create_cycle()
    a = _assessment(world)
    if error is None:
        assert len(assign_raters(a, world.admin, [(world.users[who], group)])) == 1
        return
    with pytest.raises(error):
        assign_raters(a, world.admin, [(world.users[who], group)])


@pytest.mark.parametrize("who", ["a1", "sup_a", "town_admin", "audit", "a2"])
def test_only_the_org_admin_over_the_unit_assigns(world, create_cycle, api, who):
    create_cycle()
    a = _assessment(world)
    body = {"raters": [{"user_id": world.sec_a.id, "group": "superior"}]}
    assert api.as_user(who).put(f"/assessments/{a.id}/raters", json=body).status_code == 403
    resp = api.as_user("admin").put(f"/assessments/{a.id}/raters", json=body)
    assert resp.status_code == 200 and "rated" not in resp.get_json()[0]


def test_a_rater_who_rated_cannot_be_removed(world, create_cycle):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    submit_rating(a, world.a2, _scores(80))
    with pytest.raises(Conflict):
        assign_raters(a, world.admin, [])


# --- rating once, only when assigned ----------------------------------------------------------

@pytest.mark.parametrize(("who", "status"), [
    ("a2", 201),     # assigned
    ("a3", 403),     # a colleague who was not assigned
    ("a1", 403),     # the cadre on their own assessment
    ("admin", 403),  # even the org_admin rates only when assigned
])
def test_only_assigned_raters_rate(world, create_cycle, api, who, status):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    db.session.commit()
    resp = api.as_user(who).post(f"/assessments/{a.id}/rating", json=_scores(88))
    assert resp.status_code == status, resp.get_json()


def test_nobody_rates_twice(world, create_cycle, api):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    db.session.commit()
    rater = api.as_user("a2")
    assert rater.post(f"/assessments/{a.id}/rating", json=_scores(88)).status_code == 201
    again = rater.post(f"/assessments/{a.id}/rating", json=_scores(60))
    assert again.status_code == 409 and again.get_json()["error"] == "already_rated"
    assert db.session.scalar(select(Rating.de)) == 88


@pytest.mark.parametrize(("payload", "field"), [
    ({"de": 90, "neng": 90, "qin": 90, "ji": 90}, "lian"),
    ({**_scores(90), "ji": 101}, "ji"),
    ({**_scores(90), "de": "很好"}, "de"),
])
def test_a_rating_needs_five_scores_from_0_to_100(world, create_cycle, api, payload, field):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    db.session.commit()
    resp = api.as_user("a2").post(f"/assessments/{a.id}/rating", json=payload)
    assert resp.status_code == 422 and field in resp.get_json()["fields"]


DB_BREAKERS = [
    # the cadre as their own rater
    "INSERT INTO rater_assignment (assessment_id, cadre_id, rater_id, rater_group, created_at) "
    "SELECT id, cadre_id, cadre_id, 'peer', created_at FROM assessment WHERE id = :a",
    # the same rater assigned twice
    "INSERT INTO rater_assignment (assessment_id, cadre_id, rater_id, rater_group, created_at) "
    "SELECT assessment_id, cadre_id, rater_id, 'superior', created_at FROM rater_assignment",
    # a second rating on the same assignment
    "INSERT INTO rating (assignment_id, de, neng, qin, ji, lian, created_at) "
    "SELECT assignment_id, 1, 1, 1, 1, 1, created_at FROM rating",
    "UPDATE rating SET de = 101",
]


@pytest.mark.parametrize("statement", DB_BREAKERS)
def test_the_database_refuses_self_and_double_ratings(world, create_cycle, statement):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    submit_rating(a, world.a2, _scores(80))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(text(statement), {"a": a.id})
        db.session.flush()
    db.session.rollback()


def test_ratings_close_when_the_result_is_published(world, create_cycle):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    a.state = "published"
    with pytest.raises(Conflict):
        submit_rating(a, world.a2, _scores(80))


# --- who reads what ---------------------------------------------------------------------------

@pytest.fixture
def rated(world, create_cycle):
    """a1 rated by 3 superiors (90) and 1 subordinate (50): the subordinate is folded."""
    create_cycle()
    a = _assessment(world)
    raters = _rated(world, a, {"superior": [90, 90, 90], "subordinate": [50]})
    return a, raters


@pytest.mark.parametrize(("who", "status"), [
    ("sub1", 200),     # the rater who gave it
    ("a1", 404),       # the cadre rated (404 like a missing id: no counting by probing)
    ("admin", 404),    # the org_admin sees group means, not ballots
    ("audit", 404),
    ("sup1", 404),     # another rater of the same person
    ("sup_a", 404),
])
def test_an_individual_rating_is_read_by_its_rater_only(rated, api, who, status):
    sub1 = rated[1]["subordinate"][0]
    rating_id = db.session.scalar(select(Rating.id).join(RaterAssignment).where(
        RaterAssignment.rater_id == sub1.id))
    resp = api.as_user(who).get(f"/ratings/{rating_id}")
    assert resp.status_code == status


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 200), ("audit", 200),
    ("a1", 403),         # the cadre, before publication
    ("a2", 403), ("sup_a", 403), ("sec_a", 403), ("sub1", 403), ("town_admin", 403),
])
def test_the_summary_is_for_the_org_admin_and_auditor(rated, api, who, status):
    a, _raters = rated
    resp = api.as_user(who).get(f"/assessments/{a.id}/rating-summary")
    assert resp.status_code == status


def test_a_small_group_is_folded_and_never_exposed(rated, api, world):
    a, _raters = rated
    close_round(a, world.admin)
    db.session.commit()
    body = api.as_user("admin").get(f"/assessments/{a.id}/rating-summary").get_json()
    # (90 × 3 + 50) / 4 = 80: one bucket "superior + subordinate", weight 60.
    assert body["score"] == 80.0 and body["raters"] == 4
    assert body["groups"] == [{"groups": ["superior", "subordinate"], "raters": 4,
                               "mean": 80.0, "weight": 60.0}]
    assert "50" not in str(body)


def test_the_cadre_sees_the_summary_once_published_never_a_rating(rated, world):
    a, _raters = rated
    with pytest.raises(NotAllowed):
        rating_summary(a, world.a1)
    a.state = "published"
    assert [b.groups for b in rating_summary(a, world.a1).buckets] == [
        ("superior", "subordinate")]


def test_rating_tasks_list_only_the_callers_own(rated, api, world, create_cycle):
    b = _assessment(world, "b1")
    assign_raters(b, world.admin, [(world.a2, "peer")])
    db.session.commit()
    tasks = api.as_user("sub1").get("/rating-tasks").get_json()
    assert [(t["cadre_name"], t["group"]) for t in tasks] == [("a1", "subordinate")]
    assert tasks[0]["rating_id"] is not None
    assert [t["cadre_name"] for t in api.as_user("a2").get("/rating-tasks").get_json()] == ["b1"]


# --- web pages --------------------------------------------------------------------------------

def test_my_rating_tasks_and_the_rating_form(world, create_cycle, auth):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    db.session.commit()
    web = auth.user("a2")
    page = web.get("/ratings").get_data(as_text=True)
    assert "我的评价任务" in page and f"/ratings/{a.id}" in page
    form = web.get(f"/ratings/{a.id}")
    assert "德" in form.get_data(as_text=True)
    bad = web.post(f"/ratings/{a.id}", data={**_scores("95"), "lian": "120"})
    assert bad.status_code == 422 and "超出允许范围" in bad.get_data(as_text=True)
    ok = web.post(f"/ratings/{a.id}", data=_scores("95"))
    assert ok.status_code == 302
    again = web.post(f"/ratings/{a.id}", data=_scores("60"))
    assert again.status_code == 409 and "只能评价一次" in again.get_data(as_text=True)


@pytest.mark.parametrize(("who", "path"), [
    ("a3", "/ratings/{a}"),             # not assigned
    ("a1", "/assessments/{a}/raters"),  # the cadre
    ("sup_a", "/assessments/{a}/raters"),
    ("town_admin", "/assessments/{a}/raters"),
])
def test_rating_pages_forbidden(world, create_cycle, auth, who, path):
    create_cycle()
    a = _assessment(world)
    assign_raters(a, world.admin, [(world.a2, "peer")])
    db.session.commit()
    assert auth.user(who).get(path.format(a=a.id)).status_code == 403


def test_the_org_admin_edits_raters_on_the_page(world, create_cycle, auth, fresh):
    create_cycle()
    a = _assessment(world)
    web = auth.user("admin")
    page = web.get(f"/assessments/{a.id}/raters").get_data(as_text=True)
    assert "sec_a" in page and "根据组织架构推荐" in page
    assert web.post(f"/assessments/{a.id}/raters/suggested").status_code == 302
    me = web.post(f"/assessments/{a.id}/raters/add", data={"username": "a1", "group": "peer"})
    assert me.status_code == 422 and "不能评价自己" in me.get_data(as_text=True)
    removed = web.post(f"/assessments/{a.id}/raters/remove",
                       data={"rater_id": str(world.a2.id)})
    assert removed.status_code == 302
    names = {u.username for u, _g in suggest_raters(fresh(Assessment, a.id))}
    assigned = {r.rater.username for r in assignments(fresh(Assessment, a.id))}
    assert assigned == names - {"a2"}

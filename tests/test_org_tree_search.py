"""The org tree and search (issue 10, item 7): a root unit nobody could administer is
refused with "choose a parent"; units and people are found by name on the admin pages,
only within the admin's own units."""

import re

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Auth
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit
from workflow_app.people.search import SEARCH_LIMIT
from workflow_app.people.services import create_user
from workflow_app.people.teams import Team


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


def text(resp):
    return resp.get_data(as_text=True)


def units():
    return db.session.scalar(select(func.count(OrgUnit.id)))


@pytest.mark.parametrize(("who", "lang", "message"), [
    ("admin", "zh-CN", "请选择上级单位"),       # org_admin at the very top
    ("town_admin", "zh-CN", "请选择上级单位"),  # org_admin of a community
    ("admin", "en", "Choose a parent unit."),
])
def test_a_root_unit_is_refused_with_choose_a_parent(world, api, client, who, lang, message):
    before = units()
    token = api.as_user(who).token
    resp = client.post("/api/v1/org-units", json={"name": "新区"}, headers={
        "Authorization": f"Bearer {token}", "Accept-Language": lang})
    body = resp.get_json()
    assert resp.status_code == 422, body
    assert body["fields"]["parent_id"]["code"] == "required" and body["message"] == message
    assert units() == before


def test_a_unit_under_a_parent_is_usable_by_its_creator(world, api):
    admin = api.as_user("admin")
    made = admin.post("/org-units", json={"name": "新区", "parent_id": world.units["root"].id})
    assert made.status_code == 201
    child = admin.post("/org-units", json={"name": "新区一村", "parent_id": made.get_json()["id"]})
    assert child.status_code == 201  # the creator administers what it made


def test_a_root_is_still_made_by_set_up(world):
    from workflow_app.people.services import create_org_unit

    assert create_org_unit("另一县", None, "").parent_id is None  # CLI / bootstrap (no actor)


# --- search -------------------------------------------------------------------------------

@pytest.mark.parametrize(("who", "q", "units_found", "people_found"), [
    ("admin", "东街", ["东街社区"], []),
    ("admin", "A1", [], ["a1", "com_a1"]),                 # username, any case
    ("admin", "sup", [], ["sup_a", "sup_b"]),
    ("admin", "社区", ["东街社区", "西街社区"], []),
    ("admin", "%", [], []),                                # taken literally
    ("town_admin", "社区", ["西街社区"], []),               # only their own units
    ("town_admin", "a1", [], []),                          # a1 is outside 西街社区
    ("town_admin", "b1", [], ["b1"]),
])
def test_people_admin_search(auth, world, who, q, units_found, people_found):
    page = text(auth.user(who).get("/admin/people", query_string={"q": q}))
    assert 'id="search-results"' in page and f'value="{q}"' in page
    for name, unit in world.units.items():
        assert (f'id="found-unit-{unit.id}"' in page) is (unit.name in units_found), name
    for name, user in world.users.items():
        assert (f'id="found-person-{user.id}"' in page) is (name in people_found), name


def test_search_results_are_bounded(auth, world):
    for n in range(SEARCH_LIMIT + 5):
        create_user(None, username=f"bulk{n:03d}", password="password123",
                    display_name=f"批量{n}", org_unit=world.units["a"], roles=["cadre"])
    db.session.commit()
    page = text(auth.user("admin").get("/admin/people?q=bulk"))
    assert page.count('id="found-person-') == SEARCH_LIMIT and "仅显示前" in page


def test_no_search_box_results_without_a_query(auth, world):
    page = text(auth.user("admin").get("/admin/people"))
    assert 'role="search"' in page and 'id="search-results"' not in page


@pytest.fixture
def teams(world):
    made = [Team(org_unit=world.units["a"], name="东街社区两委班子"),
            Team(org_unit=world.units["b"], name="西街社区两委班子")]
    db.session.add_all(made)
    db.session.commit()
    return made


@pytest.mark.parametrize(("q", "shown"), [("", [0, 1]), ("东街", [0]), ("西街社区", [1]),
                                          ("没有", [])])
def test_teams_search(auth, teams, q, shown):
    page = text(auth.user("admin").get("/admin/teams", query_string={"q": q}))
    for i, team in enumerate(teams):
        assert (f'id="team-{team.id}"' in page) is (i in shown)


@pytest.mark.parametrize(("q", "offered", "hidden"), [("a2", "a2", "a3"), ("", "a3", None)])
def test_team_member_picker_search(auth, world, teams, q, offered, hidden):
    page = text(auth.user("admin").get(f"/admin/teams/{teams[0].id}", query_string={"q": q}))
    assert f'value="{world.users[offered].id}"' in page
    if hidden:
        assert f'value="{world.users[hidden].id}"' not in page


def test_cycle_form_unit_search_keeps_what_was_typed(auth, world):
    from tests.test_cycles_admin import form

    admin = auth.user("admin")
    data = form(world, name="二季度（查找单位）", org_unit_ids=[str(world.units["a"].id)],
                unit_q="西街", action="search_units")
    resp = admin.post("/admin/cycles/new", data)
    page = text(resp)
    assert resp.status_code == 200 and "二季度（查找单位）" in page
    assert 'id="unit-search-note"' in page
    assert f'value="{world.units["b"].id}"' in page  # found
    ticked = re.search(r'<input checked id="org_unit_ids-\d+" name="org_unit_ids" '
                       rf'type="checkbox" value="{world.units["a"].id}">', page)
    assert ticked  # ticked stays though it does not match
    assert f'>{world.units["town"].name}</label>' not in page  # not matching, not ticked
    assert db.session.scalar(select(func.count()).select_from(OrgUnit)) == 4  # nothing saved


@pytest.mark.parametrize(("q", "offered", "hidden"), [("sup_b", "sup_b", None), ("", "sup_b", None),
                                                      ("没有", "sup_a", "sup_b")])
def test_person_page_supervisor_search(auth, world, q, offered, hidden):
    """a1's supervisor is sup_a: it stays offered whatever is searched."""
    page = text(auth.user("admin").get(f"/admin/people/users/{world.a1.id}",
                                       query_string={"q": q}))
    assert f'<option selected value="{world.sup_a.id}">' in page
    assert f'value="{world.users[offered].id}"' in page
    if hidden:
        assert f'value="{world.users[hidden].id}"' not in page

"""Results pages: the table and chart, the XLSX filing copy, the 公示 page by unit."""

from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.factories import exclude_unfinished
from tests.test_grading import _grade
from tests.web.conftest import Auth
from workflow_app.extensions import db
from workflow_app.scoring.services import publish_cycle


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def graded_cycle(world, create_cycle):
    cycle = create_cycle()
    _grade(world, cycle, {"a1": 95, "a2": 85, "a3": 70})
    return cycle


def test_results_page_shows_chart_and_ranking(graded_cycle, auth):
    page = auth.user("admin").get(f"/cycles/{graded_cycle.id}/results").get_data(as_text=True)
    assert "<svg" in page and "好" in page and "a1" in page
    assert "1 (33%)" in page  # one of three is 好


def test_xlsx_filing_copy(graded_cycle, auth):
    resp = auth.user("audit").get(f"/cycles/{graded_cycle.id}/results.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(BytesIO(resp.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == graded_cycle.name
    body = {r[2]: r for r in rows[2:]}
    assert body["a1"][4] == "好" and body["a1"][7] == 100  # pay tier of 好
    assert body["a3"][4] == "一般" and body["a3"][5] == 3


@pytest.mark.parametrize(("who", "path", "status"), [
    ("a1", "/cycles/{id}/results", 403), ("sup_a", "/cycles/{id}/results.xlsx", 403),
    ("town_admin", "/cycles/{id}/results", 403), ("audit", "/cycles/{id}/results", 200),
    ("a1", "/cycles/{id}/publication", 403),  # nothing published yet
])
def test_results_access(graded_cycle, auth, who, path, status):
    assert auth.user(who).get(path.format(id=graded_cycle.id)).status_code == status


def test_publication_shows_only_the_viewers_unit(graded_cycle, world, auth):
    exclude_unfinished(graded_cycle, world.admin)
    publish_cycle(graded_cycle, world.admin)
    db.session.commit()
    page = auth.user("a2").get(f"/cycles/{graded_cycle.id}/publication").get_data(as_text=True)
    assert "a1" in page and "a3" in page and "好" in page
    assert auth.user("b1").get(f"/cycles/{graded_cycle.id}/publication").status_code == 403

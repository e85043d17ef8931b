"""The surveys list (issue 11, item 15): the org_admin finds every satisfaction survey of
their scope from the menu, with counts that say nothing about any one respondent."""

import re

import pytest

from tests.factories import make_user
from tests.test_ratings import _assessment, auth  # noqa: F401 (fixture)
from workflow_app.extensions import db
from workflow_app.surveys import listing
from workflow_app.surveys.services import answer_survey, close_survey, create_survey, issue_tokens


@pytest.fixture
def surveys(world, create_cycle):
    """a1 (东街社区): 12 links, 6 answered; b1 (西街社区): 3 links, none answered."""
    create_cycle()
    a1, b1 = _assessment(world, "a1"), _assessment(world, "b1")
    first = create_survey(a1, world.admin)
    tokens = [t.token for t in issue_tokens(first, world.admin, 12)]
    for n, token in enumerate(tokens[:6]):
        answer_survey(token, {"choice": "satisfied", "comment": f"意见{n}"})
    issue_tokens(create_survey(b1, world.admin), world.admin, 3, "sms")
    db.session.commit()
    return a1, b1, first, tokens


def _text(resp):
    return resp.get_data(as_text=True)


def _row(page, assessment_id):
    return re.search(rf'<tr id="survey-{assessment_id}">.*?</tr>', page, re.S).group(0)


def test_the_org_admin_opens_the_list_from_the_menu(surveys, auth):  # noqa: F811
    a1, b1, _survey, tokens = surveys
    admin = auth.user("admin")
    home = _text(admin.get("/", follow_redirects=True))
    assert '<a href="/surveys">满意度测评</a>' in home
    page = _text(admin.get("/surveys"))
    row = _row(page, a1.id)
    cells = re.findall(r'<td data-label="[^"]*">(.*?)</td>', row, re.S)
    assert cells == ["a1", "东街社区", "2026年第一季度平时考核", "进行中", "12", "至少 5"]
    assert f'href="/assessments/{a1.id}/survey"' in row
    assert "<td data-label=\"已作答\">至少 0</td>" in _row(page, b1.id)
    # Counts only: no comment, no link, nothing per respondent.
    assert not any(f"意见{n}" in page for n in range(6))
    assert not any(token in page for token in tokens)


def test_once_closed_every_answer_counts(surveys, auth, world):  # noqa: F811
    a1, _b1, survey, _tokens = surveys
    close_survey(survey, world.admin)
    db.session.commit()
    row = _row(_text(auth.user("admin").get("/surveys")), a1.id)
    assert '<td data-label="状态">已结束</td>' in row and '<td data-label="已作答">6</td>' in row


def test_each_org_admin_sees_their_own_scope(surveys, auth):  # noqa: F811
    a1, b1, _survey, _tokens = surveys
    page = _text(auth.user("town_admin").get("/surveys"))  # org_admin of 西街社区 only
    assert f'id="survey-{b1.id}"' in page and f'id="survey-{a1.id}"' not in page


@pytest.mark.parametrize("who", ["a1", "sup_a", "sec_a", "audit"])
def test_nobody_else_lists_surveys(surveys, auth, who):  # noqa: F811
    web = auth.user(who)
    assert web.get("/surveys").status_code == 403
    assert 'href="/surveys"' not in _text(web.get("/", follow_redirects=True))


def test_the_list_filters_by_cycle_and_pages(surveys, auth, monkeypatch):  # noqa: F811
    a1, b1, _survey, _tokens = surveys
    admin = auth.user("admin")
    assert "2026年第一季度平时考核" in _text(admin.get("/surveys?cycle=99999"))  # the select
    assert "还没有满意度调查。" in _text(admin.get("/surveys?cycle=99999"))
    chosen = _text(admin.get(f"/surveys?cycle={a1.cycle_id}"))
    assert f'id="survey-{a1.id}"' in chosen and f'<option value="{a1.cycle_id}" selected' in chosen
    monkeypatch.setattr(listing, "PAGE_SIZE", 1)
    first, second = _text(admin.get("/surveys")), _text(admin.get("/surveys?page=2"))
    assert 'id="survey-' in first and "下一页" in first
    assert "上一页" in second and "下一页" not in second
    shown = {int(m) for page in (first, second) for m in re.findall(r'id="survey-(\d+)"', page)}
    assert shown == {a1.id, b1.id}


def test_the_assessment_page_links_the_org_admin_to_raters_and_survey(surveys, auth):  # noqa: F811
    a1, _b1, _survey, _tokens = surveys
    page = _text(auth.user("admin").get(f"/assessments/{a1.id}"))
    links = re.search(r'id="rating-links">.*?</p>', page, re.S).group(0)
    assert f'href="/assessments/{a1.id}/raters"' in links
    assert f'href="/assessments/{a1.id}/survey"' in links
    assert 'id="rating-links"' not in _text(auth.user("sup_a").get(f"/assessments/{a1.id}"))


def test_an_org_admin_without_surveys_reads_how_to_start_one(world, create_cycle, auth):  # noqa: F811
    create_cycle()
    make_user("lone_admin", world.units["b"], ["org_admin"])
    db.session.commit()
    page = _text(auth.user("lone_admin").get("/surveys"))
    assert "还没有满意度调查。" in page and "群众满意度调查" in page

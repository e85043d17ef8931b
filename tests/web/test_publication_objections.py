"""Objections from the 公示 page (issue 11, item 6): anyone in the unit may object to a
colleague's published result from the page that says objections are open — never
after the period, never to another unit's result, and never named to the person."""

import re

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.test_disputes import _dispute, published  # noqa: F401 (fixture)
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.scoring.disputes import can_raise_dispute

OBJECTOR = "zhou_jubao"


@pytest.fixture
def colleague(published, world):  # noqa: F811
    world.users[OBJECTOR] = make_user(OBJECTOR, world.units["a"], ["cadre"],
                                      supervisor=world.sup_a)
    db.session.commit()
    return published


def _text(resp):
    return resp.get_data(as_text=True)


def _state(aid):
    db.session.expire_all()
    return db.session.get(Assessment, aid).state


def test_a_colleague_objects_from_the_publication_page(colleague, auth, world):
    cycle, ids = colleague
    web = auth.user(OBJECTOR)
    page = _text(web.get(f"/cycles/{cycle.id}/publication"))
    for name in ("a1", "a2", "a3"):
        assert (f'id="raise-dispute-{ids[name]}" href="/assessments/{ids[name]}/objections/'
                f'dispute"') in page
    assert "被提出异议的人不会知道是谁提出的" in page and 'id="raise-dispute"' not in page
    form = web.get(f"/assessments/{ids['a1']}/objections/dispute")
    assert form.status_code == 200
    assert f'href="/cycles/{cycle.id}/publication">取消</a>' in _text(form)
    resp = _dispute(web, ids["a1"], reason="他虚报了防汛值守天数")
    assert resp.status_code == 303
    assert resp.headers["Location"].endswith(f"/cycles/{cycle.id}/publication")
    assert _state(ids["a1"]) == "disputed"
    after = _text(web.get(f"/cycles/{cycle.id}/publication"))
    assert "异议已提交组织部。" in after
    assert f'id="raise-dispute-{ids["a1"]}"' not in after  # already under objection
    assert f'id="raise-dispute-{ids["a2"]}"' in after
    # The person objected to learns that there is an objection, not from whom.
    a1 = auth.user("a1")
    for text in (_text(a1.get(f"/assessments/{ids['a1']}")),
                 _text(a1.get(f"/cycles/{cycle.id}/publication"))):
        assert OBJECTOR not in text and "防汛值守" not in text
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == world.a1.id)).all()
    assert not any(OBJECTOR in n.subject + n.body for n in notes)


def test_the_cadre_finds_their_own_button_in_their_row(colleague, auth):
    cycle, ids = colleague
    page = _text(auth.user("a2").get(f"/cycles/{cycle.id}/publication"))
    row = re.search(r"<tr><td>东街社区</td><td[^>]*>a2</td>.*?</tr>", page, re.S).group(0)
    assert f'id="raise-dispute" href="/assessments/{ids["a2"]}/objections/dispute"' in row
    assert f'id="raise-dispute-{ids["a1"]}"' in page
    assert 'id="my-objection"' not in page  # offered once, in the table
    assert "受理截止：2026-04-10 00:00" in page


@pytest.mark.parametrize("who", ["b1", "com_b", "sec_b"])
def test_another_units_member_cannot_object(colleague, auth, world, who):
    _cycle, ids = colleague
    web = auth.user(who)
    assert web.get(f"/assessments/{ids['a1']}/objections/dispute").status_code == 403
    assert _dispute(web, ids["a1"]).status_code == 403
    assert _state(ids["a1"]) == "published"
    assert not can_raise_dispute(world.users[who], db.session.get(Assessment, ids["a1"]))


@pytest.mark.parametrize("who", ["admin", "audit"])
def test_staff_read_the_page_without_objecting(colleague, auth, who):
    cycle, _ids = colleague
    page = _text(auth.user(who).get(f"/cycles/{cycle.id}/publication"))
    assert "a1" in page and 'id="raise-dispute-' not in page


def test_after_the_publication_period_nothing_is_offered(colleague, auth, clock, world):
    cycle, ids = colleague
    clock.advance(days=10)
    web = auth.user(OBJECTOR)
    page = _text(web.get(f"/cycles/{cycle.id}/publication"))
    assert not re.search(r'id="raise-dispute-\d+"', page)
    assert "被提出异议的人不会知道" not in page
    form = web.get(f"/assessments/{ids['a1']}/objections/dispute")
    assert form.status_code == 409 and "公示期已结束，不再受理异议。" in _text(form)
    resp = _dispute(web, ids["a1"])
    assert resp.status_code == 409 and "公示期已结束" in _text(resp)
    assert _state(ids["a1"]) == "published"
    assert not can_raise_dispute(world.users[OBJECTOR], db.session.get(Assessment, ids["a1"]))


def test_the_cadres_page_leads_to_the_units_publication(colleague, auth):
    cycle, ids = colleague
    web = auth.user("a2")
    page = _text(web.get("/my"))
    assert f'id="publication-link" href="/cycles/{cycle.id}/publication"' in page
    assert web.get(f"/cycles/{cycle.id}/publication").status_code == 200
    detail = _text(auth.user(OBJECTOR).get(f"/assessments/{ids['a1']}"))
    assert 'id="publication-link"' in detail  # a colleague reading a published result

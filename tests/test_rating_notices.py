"""Raters hear that they were asked to rate, and find their tasks in the menu (issue 11,
item 15, in part). The notice names the person to rate, never the other raters."""

from sqlalchemy import select

from tests.test_ratings import _assessment, _people, auth, fresh  # noqa: F401 (fixtures)
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.scoring.ratings import add_rater, assign_raters


def notices():
    return db.session.scalars(select(Notification).where(
        Notification.kind == "rating_assigned", Notification.channel == "in_app")
        .order_by(Notification.id)).all()


def test_each_new_rater_is_told_once_and_alone(world, create_cycle):
    create_cycle()
    a = _assessment(world)
    first = _people(world, "peer", 3)
    assign_raters(a, world.admin, [(u, "peer") for u in first])
    db.session.commit()
    told = notices()
    assert [n.user_id for n in told] == [u.id for u in first]
    for note in told:
        assert note.subject == "请对 a1 进行评价（2026年第一季度平时考核）"
        assert note.link == f"/ratings/{a.id}"
        others = {u.username for u in first} - {note.user.username}
        assert not any(name in note.subject + note.body for name in others)
    later = _people(world, "pub", 1)[0]
    add_rater(a, world.admin, later, "public")  # the list is saved again: only `later` is new
    db.session.commit()
    assert [n.user_id for n in notices()] == [u.id for u in first] + [later.id]


def test_rating_tasks_are_in_the_menu(auth, world):  # noqa: F811
    page = auth.user("a1").get("/my").get_data(as_text=True)
    assert '<a href="/ratings">我的评价任务</a>' in page
    admin = auth.user("audit").get("/", follow_redirects=True).get_data(as_text=True)
    assert "退出登录" in admin
    assert 'href="/ratings"' not in admin


def test_the_raters_page_finds_people_by_name_or_unit(auth, world, create_cycle, fresh):  # noqa: F811
    from workflow_app.assessments.models import Assessment
    from workflow_app.scoring.ratings import assignments

    create_cycle()
    a = _assessment(world)
    admin = auth.user("admin")
    by_unit = admin.get(f"/assessments/{a.id}/raters?q=西街").get_data(as_text=True)
    picker = by_unit[by_unit.index('id="rater-picker"'):by_unit.index("</section>",
                                                                      by_unit.index('id="rater-picker"'))]
    assert "b1" in picker and "com_b" in picker and "a2" not in picker
    by_name = admin.get(f"/assessments/{a.id}/raters?q=A").get_data(as_text=True)
    picker = by_name[by_name.index('id="rater-picker"'):]
    assert 'name="username" value="a2"' in picker
    assert 'name="username" value="a1"' not in picker  # nobody rates themselves
    resp = admin.post(f"/assessments/{a.id}/raters/add", {"username": "a2", "group": "peer"})
    assert resp.status_code == 302
    assert [r.rater.username for r in assignments(fresh(Assessment, a.id))] == ["a2"]
    assert [n.user_id for n in notices()] == [world.a2.id]  # and a2 is told

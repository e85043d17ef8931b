"""群众满意度: one-time links that work once, answers that carry nothing that ties them to
a link, a person or a time, phone spot checks, and the combined score in grading."""

import re
import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, inspect, select

from tests.factories import FULL_REPORT, make_user
from tests.web import conftest as web_fixtures
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.errors import Conflict
from workflow_app.extensions import db
from workflow_app.scoring.ratings import assign_raters, submit_rating
from workflow_app.scoring.ratings_rounds import close_round
from workflow_app.scoring.services import grade_cycle
from workflow_app.surveys.models import SurveyResponse, SurveyToken
from workflow_app.surveys.services import (
    answer_survey,
    close_survey,
    create_survey,
    issue_tokens,
    record_spot_check,
    satisfaction_rates,
)

auth = web_fixtures.auth  # the web UI fixture, for the pages
TOKEN_RE = re.compile(r"/s/([A-Za-z0-9_-]{20,})")


def _assessment(world, username="a1"):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[username].id))


def _links(world, n=3, channel="qr", username="a1"):
    a = _assessment(world, username)
    survey = create_survey(a, world.admin)
    tokens = [t.token for t in issue_tokens(survey, world.admin, n, channel)]
    db.session.commit()
    return a, survey, tokens


def _answer_all(tokens, choices):
    for token, choice in zip(tokens, choices, strict=True):
        answer_survey(token, {"choice": choice})
    db.session.commit()


# --- one link, one answer ---------------------------------------------------------------------

def test_a_link_works_once_and_then_says_so(world, create_cycle, auth):
    create_cycle()
    _a, _survey, (token, *_rest) = _links(world)
    visitor = web_fixtures.WebUser(auth.app.test_client())
    page = visitor.get(f"/s/{token}")
    assert page.status_code == 200 and "请您评价 a1 的工作" in page.get_data(as_text=True)
    done = visitor.post(f"/s/{token}", data={"choice": "satisfied"})
    assert done.status_code == 302 and done.location.endswith("/s/thanks")
    for again in (visitor.get(f"/s/{token}"), visitor.post(f"/s/{token}",
                                                          data={"choice": "dissatisfied"})):
        assert again.status_code == 410
        assert "此链接已使用" in again.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/s/not-a-real-token-at-all", 404, "此调查链接无效"),
    ("/s/x", 404, "此调查链接无效"),
])
def test_an_unknown_link_gets_a_clear_page(world, client, path, status, text):
    resp = client.get(path)
    assert resp.status_code == status and text in resp.get_data(as_text=True)
    assert "Traceback" not in resp.get_data(as_text=True)


def test_the_public_page_needs_no_login_but_keeps_csrf(world, create_cycle, client):
    create_cycle()
    _a, _survey, (token, *_rest) = _links(world)
    refused = client.post(f"/s/{token}", data={"choice": "satisfied"})
    assert refused.status_code == 400
    assert db.session.scalar(select(SurveyToken.used).where(SurveyToken.token == token)) \
        is False


def test_a_missing_choice_keeps_the_link_unused(world, create_cycle, auth):
    create_cycle()
    _a, _survey, (token, *_rest) = _links(world)
    visitor = web_fixtures.WebUser(auth.app.test_client())
    visitor.get(f"/s/{token}")
    resp = visitor.post(f"/s/{token}", data={"comment": "路灯坏了"})
    assert resp.status_code == 422 and "此项为必填项" in resp.get_data(as_text=True)
    assert "路灯坏了" in resp.get_data(as_text=True)
    assert visitor.get(f"/s/{token}").status_code == 200


def test_the_survey_closes_when_the_result_is_published(world, create_cycle, client):
    create_cycle()
    a, _survey, (token, *_rest) = _links(world)
    a.state = "published"
    db.session.commit()
    resp = client.get(f"/s/{token}")
    assert resp.status_code == 410 and "本次调查已结束" in resp.get_data(as_text=True)


def _answer_in_thread(app, token, started, outcomes, hold):
    with app.app_context():
        try:
            answer_survey(token, {"choice": "satisfied"})
            if hold:  # keep the row locked while the other request checks and updates
                started.set()
                time.sleep(0.5)
            db.session.commit()
            outcomes.append("ok")
        except Conflict as exc:
            db.session.rollback()
            outcomes.append(exc.code)
        finally:
            db.session.remove()


def test_two_people_on_one_link_at_once_exactly_one_answer(app, world, create_cycle,
                                                           is_postgres):
    if not is_postgres:
        pytest.skip("needs two real concurrent connections: PostgreSQL only")
    create_cycle()
    _a, _survey, (token, *_rest) = _links(world)
    db.session.remove()
    started, outcomes = threading.Event(), []
    first = threading.Thread(target=_answer_in_thread, args=(app, token, started, outcomes, True))
    first.start()
    assert started.wait(timeout=10)
    # The second has read the link as unused (the first has not committed) and still loses.
    second = threading.Thread(target=_answer_in_thread,
                              args=(app, token, started, outcomes, False))
    second.start()
    for t in (first, second):
        t.join(timeout=30)
    assert sorted(outcomes) == ["ok", "token_used"]
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


# --- anonymity ---------------------------------------------------------------------------------

def test_an_answer_carries_no_token_no_person_and_no_time(world, create_cycle, clock):
    create_cycle()
    _a, survey, tokens = _links(world, 2)
    audit_before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    clock.set(clock.now.replace(hour=15, minute=47, second=13))
    _answer_all(tokens, ["satisfied", "dissatisfied"])
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_response")}
    assert columns == {"id", "survey_id", "choice", "comment", "day", "batch"}
    for row in db.session.scalars(select(SurveyResponse)):
        # 15:47 UTC = 23:47 CST on Wed 1 April: only the week's Monday is kept
        assert type(row.day) is date and row.day == date(2026, 3, 30)
        assert re.fullmatch(r"[0-9a-f]{12}4[0-9a-f]{19}", row.id)  # random (uuid4)
        assert not any(t in str(vars(row)) for t in tokens)
    # Nothing else recorded the answer either: no audit entry carries token or time.
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == audit_before
    columns = {c["name"] for c in inspect(db.engine).get_columns("survey_token")}
    assert columns == {"id", "survey_id", "token", "channel", "created_at", "used"}
    used = db.session.execute(select(SurveyToken.used)).scalars().all()
    assert used == [True] * 2  # the link keeps only that it was used, never when


# --- spot checks and the rate -------------------------------------------------------------------

def test_spot_checks_feed_the_satisfaction_rate(world, create_cycle):
    create_cycle()
    a, survey, tokens = _links(world, 4)
    _answer_all(tokens, ["satisfied", "satisfied", "basically_satisfied", "dissatisfied"])
    assert satisfaction_rates([a.id])[a.id] is None  # open: no rate for grading yet
    record_spot_check(survey, world.admin, {"satisfied": 4, "basically_satisfied": 1,
                                            "dissatisfied": 1}, "电话抽查 6 户")
    close_survey(survey, world.admin)
    db.session.commit()
    # (3 + 5) satisfied of (4 + 6) answers
    assert satisfaction_rates([a.id])[a.id] == Decimal("0.8")


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 201), ("a1", 403), ("sup_a", 403), ("town_admin", 403), ("audit", 403),
    ("a2", 403),
])
def test_who_creates_surveys(world, create_cycle, api, who, status):
    create_cycle()
    a = _assessment(world)
    assert api.as_user(who).post(f"/assessments/{a.id}/survey").status_code == status


@pytest.mark.parametrize(("path", "payload", "status"), [
    ("tokens", {"count": 5, "channel": "sms"}, 201),
    ("tokens", {"count": 0}, 422),
    ("tokens", {"count": 501}, 422),
    ("tokens", {"count": "ten"}, 422),
    ("tokens", {"count": 3, "channel": "wechat"}, 422),
    ("spot-checks", {"satisfied": 8, "dissatisfied": 2, "note": "抽查10户"}, 201),
    ("spot-checks", {"satisfied": -1}, 422),
    ("spot-checks", {}, 422),
])
def test_links_and_spot_checks_through_the_api(world, create_cycle, api, path, payload,
                                               status):
    create_cycle()
    a = _assessment(world)
    admin = api.as_user("admin")
    survey_id = admin.post(f"/assessments/{a.id}/survey").get_json()["id"]
    resp = admin.post(f"/surveys/{survey_id}/{path}", json=payload)
    assert resp.status_code == status, resp.get_json()
    if path == "tokens" and status == 201:
        assert all("/s/" in link["sms_text"] for link in resp.get_json()["links"])


@pytest.mark.parametrize(("who", "status"), [
    ("admin", 200), ("audit", 200), ("a1", 403), ("a2", 403), ("sup_a", 403),
    ("town_admin", 403),
])
def test_who_reads_survey_results(world, create_cycle, api, who, status):
    create_cycle()
    _links(world)
    a = _assessment(world)
    resp = api.as_user(who).get(f"/assessments/{a.id}/survey")
    assert resp.status_code == status
    if status == 200:
        body = resp.get_json()
        assert set(body) >= {"rate", "answered", "links_issued"} and "links_used" not in body


@pytest.mark.parametrize(("who", "path"), [
    ("a1", "/assessments/{a}/survey"), ("sup_a", "/assessments/{a}/survey"),
    ("town_admin", "/assessments/{a}/survey/print"), ("a2", "/assessments/{a}/survey/sms.txt"),
])
def test_survey_staff_pages_forbidden(world, create_cycle, auth, who, path):
    create_cycle()
    _links(world)
    a = _assessment(world)
    assert auth.user(who).get(path.format(a=a.id)).status_code == 403


def test_the_staff_page_issues_links_prints_codes_and_records_spot_checks(
        world, create_cycle, auth):
    create_cycle()
    a = _assessment(world)
    web = auth.user("admin")
    assert "创建满意度调查" in web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert web.post(f"/assessments/{a.id}/survey").status_code == 302
    web.get(f"/assessments/{a.id}/survey")
    for channel in ("qr", "sms"):
        resp = web.post(f"/assessments/{a.id}/survey/tokens",
                        data={"count": "2", "channel": channel})
        assert resp.status_code == 302
    printed = web.get(f"/assessments/{a.id}/survey/print").get_data(as_text=True)
    assert printed.count("<svg") == 2 and len(set(TOKEN_RE.findall(printed))) == 2
    sms = web.get(f"/assessments/{a.id}/survey/sms.txt").get_data(as_text=True)
    assert sms.count("【考核】") == 2 and len(set(TOKEN_RE.findall(sms))) == 2
    bad = web.post(f"/assessments/{a.id}/survey/spot-checks", data={"satisfied": "x"})
    assert bad.status_code == 422 and "请输入数字" in bad.get_data(as_text=True)
    ok = web.post(f"/assessments/{a.id}/survey/spot-checks",
                  data={"satisfied": "3", "dissatisfied": "1"})
    assert ok.status_code == 302
    assert "75.0 %" not in web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert web.post(f"/assessments/{a.id}/survey/close").status_code == 302
    page = web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert "75.0 %" in page


def test_comments_are_for_staff_only_and_not_in_answer_order(world, create_cycle, auth, api):
    create_cycle()
    a, _survey, tokens = _links(world, 5)
    comments = ["希望多开展老年人活动", "办事耐心", "", "", ""]  # one batch of 5 answers
    for token, comment in zip(tokens, comments, strict=True):
        answer_survey(token, {"choice": "satisfied", "comment": comment})
    db.session.commit()
    page = auth.user("admin").get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert page.index("办事耐心") < page.index("希望多开展老年人活动")  # sorted, not by time
    a.state = "published"
    db.session.commit()
    summary = api.as_user("a1").get(f"/assessments/{a.id}/survey").get_json()
    assert summary["rate"] == 1.0 and "办事耐心" not in str(summary)


# --- feeding grading ---------------------------------------------------------------------------

COMBINED = {"review": 60, "rating_360": 30, "satisfaction": 10}


def _approve(world, username, score):
    cadre = world.users[username]
    a = _assessment(world, username)
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.sup_a, score=score - 1)
    fire_event(a, "approve", world.com_a1, score=score)
    fire_event(a, "approve", world.sec_a)
    return a


def _rate(world, a, value, n=3):
    raters = [make_user(f"r{i}", world.units["a"], ["rater"]) for i in range(n)]
    assign_raters(a, world.admin, [(u, "superior") for u in raters])
    for u in raters:
        submit_rating(a, u, dict.fromkeys(("de", "neng", "qin", "ji", "lian"), value))


@pytest.mark.parametrize(("grading", "survey", "score", "grade", "flags"), [
    # review only (the default): 92 → 好
    ({}, True, Decimal("92.00"), "好", set()),
    # 60 % × 92 + 30 % × 85 + 10 % × 80 = 55.2 + 25.5 + 8 = 88.70 → 较好
    ({"components": COMBINED}, True, Decimal("88.70"), "较好", set()),
    # no survey, reweight (default): (55.2 + 25.5) / 0.9 = 89.67, visible as such
    ({"components": COMBINED}, False, Decimal("89.67"), "较好",
     {"missing_component:satisfaction", "reweighted"}),
    # a weight that is not a positive number is ignored, never a crash at grading time
    ({"components": {"review": 100, "satisfaction": "ten", "rating_360": 0}}, True,
     Decimal("92.00"), "好", set()),
    # no survey, counted as zero when the cycle says so: 55.2 + 25.5 = 80.70
    ({"components": COMBINED, "missing_component": "zero"}, False, Decimal("80.70"), "较好",
     {"missing_component:satisfaction"}),
])
def test_grading_combines_review_360_and_satisfaction(world, create_cycle, grading, survey,
                                                     score, grade, flags):
    cycle = create_cycle(grading=grading)
    a = _approve(world, "a1", 92)
    _rate(world, a, 85)
    close_round(a, world.admin)
    if survey:
        _a, the_survey, tokens = _links(world, 10)
        _answer_all(tokens, ["satisfied"] * 7 + ["basically_satisfied"] + ["dissatisfied"] * 2)
        close_survey(the_survey, world.admin)
    grade_cycle(cycle, world.admin)
    db.session.commit()
    assert (a.score, a.grade) == (score, grade)
    assert {f for f in a.flags if not f.startswith(("band_", "focus_"))} == flags

"""Issue 9, items 2–4: anonymity against someone who reads the same page, API answer or
export again and again — 360 raters, survey respondents and objectors.

Each differencing test reads every staff view before and after one more answer and
asserts the bytes are identical while the round (or survey) is open."""

import json
import re

import pytest
from sqlalchemy import select

from tests.factories import make_user
from tests.test_disputes import PDF, _dispute, published  # noqa: F401 (fixture)
from tests.web import conftest as web_fixtures
from workflow_app.assessments.models import Assessment, Objection
from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.scoring.disputes_models import ObjectionEvidence
from workflow_app.scoring.ratings import assign_raters, submit_rating
from workflow_app.scoring.ratings_rounds import close_round, rating_360_scores
from workflow_app.surveys.services import answer_survey, close_survey, create_survey, issue_tokens

auth = web_fixtures.auth
CSRF = re.compile(rb'name="csrf_token"[^>]*>|"csrf_token": "[^"]*"|<meta name="csrf-token"[^>]*>')


def _assessment(world, username="a1"):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[username].id))


def _scores(value):
    return dict.fromkeys(("de", "neng", "qin", "ji", "lian"), value)


def _raters(world, prefix, n):
    return [make_user(f"{prefix}{i}", world.units["a"], ["rater"]) for i in range(1, n + 1)]


def _bytes(resp):
    assert resp.status_code == 200, resp.status_code
    return CSRF.sub(b"", resp.data)


# --- 360 ratings ------------------------------------------------------------------------------

@pytest.fixture
def round_(world, create_cycle):
    """a1: 5 superiors (two will not have rated yet) and 1 subordinate, the subordinate
    alone in a group below the minimum."""
    create_cycle(grading={"components": {"review": 60, "rating_360": 40}})
    a = _assessment(world)
    sups, sub = _raters(world, "sup", 5), _raters(world, "sub", 1)
    assign_raters(a, world.admin, [(u, "superior") for u in sups] + [(sub[0], "subordinate")])
    for user, value in zip(sups[:3], (90, 80, 70), strict=True):
        submit_rating(a, user, _scores(value))
    db.session.commit()
    return a, sups, sub[0]


STAFF_VIEWS = [  # (who, how, path) — every view of a rating round staff can read
    ("admin", "web", "/assessments/{a}/raters"),
    ("admin", "api", "/assessments/{a}/raters"),
    ("admin", "api", "/assessments/{a}/rating-summary"),
    ("audit", "api", "/assessments/{a}/rating-summary"),
    ("admin", "api", "/assessments/{a}"),
    ("audit", "api", "/assessments/{a}"),
    # the audit log: a `rate` entry would date each rating (issue 10 #9)
    ("audit", "web", "/audit/log"),
    ("audit", "web", "/audit/log?subject_type=raters&subject_id={a}"),
    ("admin", "web", "/audit/"),
]


def _read(auth, api, who, how, path, a):
    client = auth.user(who) if how == "web" else api.as_user(who)
    return _bytes(client.get(path.format(a=a.id)))


def _without_progress(body):
    """The per-group count of how many have rated may move; nothing else may."""
    if body.startswith((b"{", b"[")):
        data = json.loads(body)
        if isinstance(data, dict):
            data.pop("progress", None)
        return json.dumps(data, sort_keys=True).encode()
    return re.sub(rb'<td data-label="[^"]*">\d+</td>\s*</tr>', b"", body)


@pytest.mark.parametrize(("who", "how", "path"), STAFF_VIEWS)
def test_a_new_rating_changes_nothing_staff_can_read_but_the_count(round_, auth, api, who, how,
                                                                  path):
    a, sups, _sub = round_
    before = _read(auth, api, who, how, path, a)
    submit_rating(a, sups[3], _scores(10))  # the 4th: a mean of 3 then of 4 would tell 10
    db.session.commit()
    after = _read(auth, api, who, how, path, a)
    assert _without_progress(after) == _without_progress(before)
    # no mean of any kind, and no per-rater status ("已评价" / "尚未评价", "rated" flags)
    for text in (b"80.0", b"70.0", b"62.5", b'"rated": true', b'"rated": false',
                 "已评价<".encode(), "尚未评价".encode()):
        assert text not in _without_progress(after)


def test_grading_uses_only_released_rounds(round_, world):
    a, sups, _sub = round_
    config = a.cycle.grading
    assert rating_360_scores([a.id], config)[a.id].score is None  # open: nothing
    submit_rating(a, sups[3], _scores(10))
    assert rating_360_scores([a.id], config)[a.id].score is None
    close_round(a, world.admin)
    db.session.commit()
    # 3 + 1 superiors (90, 80, 70, 10) and the subordinate folded away (not rated): 62.50
    assert rating_360_scores([a.id], config)[a.id].score == 62.5


def test_the_raters_page_shows_the_result_once_closed(round_, auth, world):
    a, sups, _sub = round_
    submit_rating(a, sups[3], _scores(10))
    db.session.commit()
    web = auth.user("admin")
    assert web.post(f"/assessments/{a.id}/raters/close").status_code == 302
    page = web.get(f"/assessments/{a.id}/raters").get_data(as_text=True)
    assert "62.5" in page and "结束民主测评" not in page and "尚未评价" not in page


@pytest.mark.parametrize(("given", "released"), [
    (2, False),   # closed below the minimum in total: nothing, not even the count
    (3, True),
])
def test_the_summary_is_released_only_when_closed_with_enough_raters(world, create_cycle, api,
                                                                    given, released):
    create_cycle()
    a = _assessment(world)
    people = _raters(world, "p", 3)
    assign_raters(a, world.admin, [(u, "peer") for u in people])
    for user in people[:given]:
        submit_rating(a, user, _scores(80))
    db.session.commit()
    admin = api.as_user("admin")
    assert admin.get(f"/assessments/{a.id}/rating-summary").get_json()["released"] is False
    assert admin.post(f"/assessments/{a.id}/rating-round/close").status_code == 200
    body = admin.get(f"/assessments/{a.id}/rating-summary").get_json()
    assert (body["released"], body["open"]) == (released, False)
    assert (body["score"] is not None, body["raters"] is not None) == (released, released)
    again = admin.post(f"/assessments/{a.id}/rating-round/close")
    assert again.status_code == 409
    late = api.as_user(people[-1].username).post(f"/assessments/{a.id}/rating",
                                                 json=_scores(50))
    assert late.status_code in (403, 409) and late.status_code != 201


@pytest.mark.parametrize("who", ["audit", "sup_a", "a1", "a2"])
def test_only_the_org_admin_closes_a_round(round_, api, who):
    a, _sups, _sub = round_
    assert api.as_user(who).post(f"/assessments/{a.id}/rating-round/close").status_code == 403


def test_progress_is_per_group_and_withheld_below_the_minimum(round_, api):
    a, _sups, _sub = round_
    body = api.as_user("audit").get(f"/assessments/{a.id}/rating-summary").get_json()
    assert body["progress"] == [
        {"groups": ["superior"], "raters": 5, "rated": 3},
        {"groups": ["subordinate"], "raters": 1, "rated": None},  # "1 of 1" would say who
    ]
    assert api.as_user("a1").get(f"/assessments/{a.id}/rating-summary").status_code == 403


@pytest.mark.parametrize("removed", ["rated", "not_rated"])
def test_removing_a_rater_is_refused_alike_whether_they_rated(round_, api, removed):
    a, sups, _sub = round_
    target = sups[0] if removed == "rated" else sups[4]
    keep = [{"user_id": u.id, "group": "superior"} for u in sups if u is not target]
    resp = api.as_user("admin").put(f"/assessments/{a.id}/raters", json={"raters": keep})
    assert resp.status_code == 409 and resp.get_json()["error"] == "rating_started"


def test_no_audit_entry_names_a_rater_as_having_rated(round_):
    _a, sups, sub = round_
    ids = [u.id for u in [*sups, sub]]
    assert db.session.scalars(select(AuditEntry).where(AuditEntry.actor_id.in_(ids))).all() == []


# --- surveys -----------------------------------------------------------------------------------

@pytest.fixture
def survey(world, create_cycle):
    create_cycle()
    a = _assessment(world)
    the_survey = create_survey(a, world.admin)
    qr = [t.token for t in issue_tokens(the_survey, world.admin, 8, "qr")]
    sms = [t.token for t in issue_tokens(the_survey, world.admin, 4, "sms")]
    db.session.commit()
    return a, the_survey, qr + sms


SURVEY_VIEWS = [
    ("admin", "web", "/assessments/{a}/survey"),
    ("admin", "web", "/surveys"),  # the list of every survey (issue 11, item 15)
    ("admin", "web", "/assessments/{a}/survey/print"),
    ("admin", "web", "/assessments/{a}/survey/sms.txt"),
    ("admin", "api", "/assessments/{a}/survey"),
    ("audit", "api", "/assessments/{a}/survey"),
]


@pytest.mark.parametrize(("who", "how", "path"), SURVEY_VIEWS)
@pytest.mark.parametrize("link", [0, 9])  # a QR code and an SMS link
def test_one_answer_changes_nothing_staff_can_read(survey, auth, api, who, how, path, link):
    a, _survey, tokens = survey
    before = _read(auth, api, who, how, path, a)
    answer_survey(tokens[link], {"choice": "dissatisfied", "comment": "不作为"})
    db.session.commit()
    assert _read(auth, api, who, how, path, a) == before


def test_answers_and_comments_are_released_five_at_a_time(survey, auth, world):
    a, the_survey, tokens = survey
    web = auth.user("admin")
    comments = ["甲意见", "乙意见", "丙意见", "丁意见", "戊意见", "己意见"]
    seen = []
    for token, comment in zip(tokens, comments, strict=False):
        answer_survey(token, {"choice": "satisfied", "comment": comment})
        db.session.commit()
        page = web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
        seen.append([c for c in comments if c in page])
    assert seen[:4] == [[]] * 4                   # nothing before a batch of 5
    assert seen[4] == seen[5] == comments[:5]     # the batch at once; the 6th waits
    assert "至少 5" in page or "at least 5" in page
    close_survey(the_survey, world.admin)
    db.session.commit()
    page = web.get(f"/assessments/{a.id}/survey").get_data(as_text=True)
    assert all(c in page for c in comments)       # all once closed


def test_no_staff_view_says_which_link_was_used(survey, auth, api):
    a, _survey, tokens = survey
    answer_survey(tokens[0], {"choice": "satisfied"})
    db.session.commit()
    printed = auth.user("admin").get(f"/assessments/{a.id}/survey/print").get_data(as_text=True)
    assert all(t in printed for t in tokens[:8])  # the used one is still listed, unmarked
    body = api.as_user("admin").get(f"/assessments/{a.id}/survey").get_json()
    assert "links_used" not in body and "used" not in str(body)


# --- objections ---------------------------------------------------------------------------------

OBJECTOR, REASON, EVIDENCE = "zhou_jubao", "他虚报了防汛值守天数", "举报材料.pdf"


@pytest.fixture
def objection(published, world, auth):  # noqa: F811
    _cycle, ids = published
    make_user(OBJECTOR, world.units["a"], ["cadre"], supervisor=world.sup_a)
    db.session.commit()
    resp = _dispute(auth.user(OBJECTOR), ids["a1"], reason=REASON, files=[(EVIDENCE, PDF)])
    assert resp.status_code == 303, resp.get_data(as_text=True)
    o = db.session.scalar(select(Objection).where(Objection.assessment_id == ids["a1"]))
    file_id = db.session.scalar(select(ObjectionEvidence.attachment_id).where(
        ObjectionEvidence.objection_id == o.id))
    return ids["a1"], o, file_id


def _views(auth, api, who, aid, o, file_id):
    """Everything `who` can fetch about the assessment: page, API, both file URLs."""
    web = auth.user(who)
    page = web.get(f"/assessments/{aid}")
    body = api.as_user(who).get(f"/assessments/{aid}")
    files = [web.get(f"/objections/{o.id}/files/{file_id}"),
             web.get(f"/assessments/{aid}/files/{file_id}")]
    statuses = [f.status_code for f in files]
    for f in files:
        f.close()
    return page.get_data(as_text=True), body.get_data(as_text=True), statuses


@pytest.mark.parametrize("who", ["a1", "sup_a", "sec_a", "com_a1", "a2", "a3"])
def test_the_objector_is_hidden_from_the_cadre_and_everyone_else(objection, auth, api, who):
    aid, o, file_id = objection
    page, body, statuses = _views(auth, api, who, aid, o, file_id)
    for secret in (OBJECTOR, REASON, EVIDENCE):
        assert secret not in page and secret not in body
    assert f'"actor_id": {o.raised_by_id}' not in body.replace('":', '": ')
    assert all(s in (403, 404) for s in statuses)
    if who == "a1":  # the cadre sees that there is an objection
        assert "异议" in page and "disputed" in body


@pytest.mark.parametrize("who", ["admin", "audit", OBJECTOR])
def test_the_objector_is_shown_to_org_admin_auditor_and_themself(objection, auth, api, who):
    aid, o, file_id = objection
    page, _body, statuses = _views(auth, api, who, aid, o, file_id)
    assert OBJECTOR in page and REASON in page and EVIDENCE in page
    assert statuses[0] == 200 and statuses[1] in (403, 404)  # only the objection route serves it
    if who != OBJECTOR:  # the objector (a colleague) does not see the history at all
        history = api.as_user(who).get(f"/assessments/{aid}").get_json()["history"]
        dispute = next(e for e in history if e["event"] == "dispute")
        assert dispute["actor_id"] == o.raised_by_id and REASON in str(dispute)


def test_the_cadre_is_never_notified_with_the_objectors_name(objection, world, auth):
    aid, o, _file_id = objection
    admin = auth.user("admin")
    cycle_id = db.session.get(Assessment, aid).cycle_id
    assert OBJECTOR in admin.get(f"/cycles/{cycle_id}/objections").get_data(as_text=True)
    resp = admin.post(f"/objections/{o.id}/dismiss",
                      data={f"r{o.id}-dismiss-reason": "经核实，不予采纳"})
    assert resp.status_code == 303, resp.get_data(as_text=True)[:500]
    notes = db.session.scalars(select(Notification).where(
        Notification.user_id == world.a1.id)).all()
    assert notes and not any(OBJECTOR in (n.subject + n.body) or REASON in n.body
                             for n in notes)


def test_a_result_sent_back_after_an_objection_does_not_reopen_ratings_or_survey(
        objection, auth, api, world):
    aid, o, _file_id = objection
    resp = auth.user("admin").post(f"/objections/{o.id}/uphold",
                                   data={f"r{o.id}-uphold-reason": "请两委会重新审议"})
    assert resp.status_code == 303
    a = db.session.get(Assessment, aid)
    db.session.refresh(a)
    assert a.state not in ("published", "disputed", "final", "appealed")
    # Released at publication: new answers now would move what was already shown.
    body = api.as_user("admin").get(f"/assessments/{aid}/rating-summary").get_json()
    assert body["open"] is False
    rater = make_user("late_rater", world.units["a"], ["rater"])
    db.session.commit()
    put = api.as_user("admin").put(f"/assessments/{aid}/raters",
                                   json={"raters": [{"user_id": rater.id, "group": "peer"}]})
    assert put.status_code == 409
    survey_id = api.as_user("admin").post(f"/assessments/{aid}/survey").get_json()["id"]
    links = api.as_user("admin").post(f"/surveys/{survey_id}/tokens", json={"count": 1})
    assert links.status_code == 409

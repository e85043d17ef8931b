"""The auditor's pages (issue 10, item 9): home, the audit log with its filters and scope,
before/after, the XLSX export, the anonymity rules, and the chain verification."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, update

from tests.factories import FULL_REPORT, make_user
from tests.security import test_audit_mac
from tests.test_anonymity import _raters, _scores
from tests.web import conftest as web_fixtures
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit import queries
from workflow_app.audit.models import AuditEntry
from workflow_app.audit.services import record
from workflow_app.extensions import db
from workflow_app.people.services import update_unit
from workflow_app.scoring.negative import record_negative_item
from workflow_app.scoring.ratings import assign_raters, submit_rating

auth = web_fixtures.auth
unguarded = test_audit_mac.unguarded  # the append-only triggers lifted, as a DB writer would


def _assessment(world, username):
    return db.session.scalar(select(Assessment).where(
        Assessment.cadre_id == world.users[username].id))


@pytest.fixture
def scene(world, create_cycle, clock):
    """A cycle over 城关镇 (东街社区: a1–a3; 西街社区: b1); a1 and b1 submit; the county
    auditor records a 负面清单 item on a2; 东街社区 has an auditor of its own."""
    world.users["audit_a"] = make_user("audit_a", world.units["a"], ["auditor"])
    cycle = create_cycle()
    for name in ("a1", "b1"):
        a = _assessment(world, name)
        save_report(a, world.users[name], FULL_REPORT)
        fire_event(a, "submit", world.users[name])
    record_negative_item(_assessment(world, "a2"), world.audit, kind="deduct", points=1,
                         reason="通报批评")
    db.session.commit()
    return cycle


def _entries(web, **query):
    resp = web.get("/audit/log", query_string=query)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def _ids(user, **args):
    """The ids of the entries `user` reads with filter `args` (all pages)."""
    rows, _total = queries.log_export(user, queries.LogFilter.from_args(args))
    return {r.entry.id for r in rows}


def _where(**kw):
    return set(db.session.scalars(select(AuditEntry.id).filter_by(**kw)))


def _chain(world, name):
    return _where(subject_type="assessment", subject_id=_assessment(world, name).id)


# --- who reaches the pages ---------------------------------------------------------------------

def test_the_auditor_lands_on_their_home(scene, auth):
    web = auth.user("audit")
    assert web.get("/").headers["Location"].endswith("/audit/")
    page = web.get("/audit/").get_data(as_text=True)
    assert "2026年第一季度平时考核" in page and 'id="negative-items">1<' in page
    assert 'href="/audit/"' in page  # the menu entry
    assert 'id="dash-audit"' in web.get("/dashboard").get_data(as_text=True)


@pytest.mark.parametrize("who", ["a1", "sup_a", "com_a1", "sec_a"])
@pytest.mark.parametrize("path", ["/audit/", "/audit/log", "/audit/log.xlsx"])
def test_cadres_and_reviewers_are_refused(scene, auth, who, path):
    assert auth.user(who).get(path).status_code == 403


@pytest.mark.parametrize("who", ["a1", "sup_a"])
def test_only_readers_may_run_the_verification(scene, auth, who):
    before = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    assert auth.user(who).post("/audit/verify").status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == before


# --- filters and scope ---------------------------------------------------------------------------

def test_each_filter(scene, world, clock):
    audit = world.audit
    a1, b1 = _chain(world, "a1"), _chain(world, "b1")
    everything = _ids(audit)
    assert a1 | b1 <= everything
    # person: what they did and what is about them (their assessment, their user record);
    # the name matches as "contains": com_a1 too
    about = _where(subject_type="user", subject_id=world.a1.id) | _where(
        subject_type="user", subject_id=world.com_a1.id)
    assert _ids(audit, person="a1") == a1 | about
    assert _ids(audit, unit=str(world.units["b"].id)) >= b1
    assert not _ids(audit, unit=str(world.units["b"].id)) & a1
    assert _ids(audit, cycle=str(scene.id)) >= a1 | b1 | _where(subject_type="cycle")
    assert _ids(audit, action="submit") == _where(action="submit")
    today = clock.now.date()
    assert _ids(audit, date_from=today.isoformat(), date_to=today.isoformat()) == everything
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert _ids(audit, date_from=tomorrow) == set()
    assert _ids(audit, subject_type="negative_item") == _where(subject_type="negative_item")


def test_an_auditor_of_one_community_never_sees_the_other(scene, world):
    audit_a = world.audit_a
    seen = _ids(audit_a)
    assert _chain(world, "a1") <= seen
    assert not seen & _chain(world, "b1")
    for args in ({"person": "b1"}, {"unit": str(world.units["b"].id)},
                 {"subject_type": "assessment",
                  "subject_id": str(_assessment(world, "b1").id)}):
        assert not _ids(audit_a, **args) & _chain(world, "b1"), args


def test_a_cycle_entry_about_the_other_community_stays_there(scene, world):
    """The scheduler's escalation is on the cycle's chain but about one assessment."""
    entries = {}
    for name in ("a1", "b1"):
        entries[name] = record("cycle", scene.id, "escalate", data={
            "assessment_id": _assessment(world, name).id, "state": "supervisor_review",
            "days": 3, "to": [world.users["sup_a" if name == "a1" else "sup_b"].id]})
    db.session.commit()
    assert entries["a1"].id in _ids(world.audit_a) and entries["b1"].id not in _ids(world.audit_a)
    assert {entries["a1"].id, entries["b1"].id} <= _ids(world.audit)


def test_the_log_page_shows_before_and_after_in_chinese(scene, world, auth):
    update_unit(world.admin, world.units["a"], "东街社区居委会", "社区")
    db.session.commit()
    page = _entries(auth.user("audit"), person="a1", cycle=str(scene.id))
    assert "提交" in page and "填写中" in page  # action and states in Chinese
    page = _entries(auth.user("audit"), subject_type="org_unit")
    assert ('<span class="before">东街社区</span> → '
            '<span class="after">东街社区居委会</span>') in page


def _statements(web, path):
    """How many SQL statements one page request runs."""
    seen = []
    listener = lambda *args: seen.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert web.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


def _more_entries(world, n, start=0):
    for i in range(start, start + n):  # 负面清单 items by two people, unit renames
        record_negative_item(_assessment(world, ("a1", "a2", "a3", "b1")[i % 4]),
                             world.users[("audit", "admin")[i % 2]], kind="deduct",
                             points=1, reason=f"第{i}次")
        update_unit(world.admin, world.units["a"], f"东街社区{i}", "社区")
    db.session.commit()


def test_a_page_runs_as_many_queries_for_many_entries_as_for_few(scene, world, auth):
    """One query per kind of subject on the page, never one per entry."""
    web = auth.user("audit")
    _more_entries(world, 1)
    few = _statements(web, "/audit/log")
    _more_entries(world, 40, start=1)  # a full page of them now, fewer kinds on it
    assert _statements(web, "/audit/log") <= few <= 16


def test_org_admins_read_it_too_within_their_units(scene, world, auth):
    page = _entries(auth.user("town_admin"))  # org_admin of 西街社区
    assert "b1" in page and "a1 · " not in page


# --- anonymity ---------------------------------------------------------------------------------

def test_ratings_and_the_rater_list_stay_anonymous(scene, world, auth):
    a = _assessment(world, "a1")
    raters = _raters(world, "sup", 3)
    assign_raters(a, world.admin, [(u, "superior") for u in raters])
    submit_rating(a, raters[0], _scores(90))
    db.session.commit()
    rate = _where(subject_type="raters", action="rate")
    assert rate and not _ids(world.audit) & rate
    page = _entries(auth.user("audit"), subject_type="raters")
    assert "评分人名单不在日志中显示" in page
    assert f'"{raters[0].id}"' not in page and "superior" not in page
    assert "rate" not in queries.actions_present(world.audit)


def test_nobody_reads_the_log_of_their_own_assessment(world, create_cycle):
    both = world.users["a_audit"] = make_user("a_audit", world.units["a"], ["cadre", "auditor"])
    create_cycle()
    own = _where(subject_type="assessment", subject_id=_assessment(world, "a_audit").id)
    assert own and not _ids(both) & own
    assert _chain(world, "a1") <= _ids(both)


# --- export ----------------------------------------------------------------------------------

def _sheet(resp):
    assert resp.status_code == 200
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in resp.headers["Content-Disposition"]
    return [list(r) for r in load_workbook(BytesIO(resp.data)).active.iter_rows(values_only=True)]


def test_the_export_holds_the_filtered_rows(scene, world, auth):
    rows = _sheet(auth.user("audit").get("/audit/log.xlsx", query_string={"person": "a1"}))
    header = rows.index(next(r for r in rows if r[0] == "时间"))
    body = rows[header + 1:]
    assert len(body) == len(_ids(world.audit, person="a1")) == 4
    submit = next(r for r in body if r[3] == "提交")
    assert submit[1] == "a1" and submit[5] == "填写中" and "a1 · 2026年第一季度" in submit[4]


def test_the_export_is_capped_with_a_message(scene, auth, monkeypatch):
    monkeypatch.setattr(queries, "EXPORT_LIMIT", 2)
    rows = _sheet(auth.user("audit").get("/audit/log.xlsx"))
    assert any("最新的 2 条" in str(r[0]) for r in rows[:3])
    header = rows.index(next(r for r in rows if r[0] == "时间"))
    assert len(rows) - header - 1 == 2


# --- verification ------------------------------------------------------------------------------

def test_verification_intact_is_shown_and_recorded(scene, world, auth):
    web = auth.user("audit")
    web.get("/audit/")
    resp = web.post("/audit/verify")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="verify-intact"' in page
    run = db.session.scalar(select(AuditEntry).filter_by(action="verify_chains"))
    assert (run.subject_type, run.subject_id, run.actor_id) == ("user", world.audit.id,
                                                               world.audit.id)
    assert run.data["breaks"] == 0 and run.data["entries"] > 0
    assert "最近一次核验" in web.get("/audit/").get_data(as_text=True)


def test_a_tampered_entry_is_shown_as_a_break(scene, world, auth, unguarded):
    target = min(_chain(world, "a1"))
    db.session.execute(update(AuditEntry).where(AuditEntry.id == target)
                       .values(comment="改过"))
    db.session.commit()
    web = auth.user("audit_a")
    web.get("/audit/")
    page = web.post("/audit/verify").get_data(as_text=True)
    assert 'id="verify-broken"' in page
    assert "条目内容与其封印不符" in page and "a1 · 2026年第一季度平时考核" in page
    assert "breaks-elsewhere" not in page
    # the same break is outside 西街社区's scope: counted, not described
    page = auth.user("town_admin").post("/audit/verify").get_data(as_text=True)
    assert 'id="breaks-elsewhere"' in page and "a1 · " not in page


# --- the demo county -----------------------------------------------------------------------

def test_the_demo_county_reads_exports_and_verifies(app, client, runner):
    """Every kind of entry the demo writes renders, people and units by name."""
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    web = web_fixtures.WebUser(client)
    assert web.login("audit", "demo1234").status_code == 302
    for query in ({}, {"page": "2"}, {"action": "add_member"}, {"subject_type": "cycle"}):
        assert web.get("/audit/log", query_string=query).status_code == 200, query
    page = _entries(web, action="add_member")
    assert "<dt>人员</dt>\n              <dd>" in page and "<dd>66</dd>" not in page
    rows = _sheet(web.get("/audit/log.xlsx", query_string={"action": "add_member"}))
    assert all("人员: " in r[8] and not r[8].split("；")[0][4:].isdigit() for r in rows[2:])
    web.get("/audit/")
    assert 'id="verify-intact"' in web.post("/audit/verify").get_data(as_text=True)

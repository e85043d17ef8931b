"""The seeded world of the authorization matrix, built once per module on SQLite.

    县委组织部 (root: top_admin, auditor)
    └─ 城关镇 (town)
       ├─ 东街社区 (unit A): cadre, p1…p4, sup, com, sec;  sub_admin (org_admin of A only)
       └─ 西街社区 (unit B): the same people, prefixed B

Every unit-bound object exists in A and in B under the same name ("cadre.draft" is
A.cadre's or B.cadre's draft assessment), so a table row names an object once and the
matrix fills it from A (inside the actors' scope) or from B (outside). `objects` maps
"A.cadre.draft" → id; global objects (the indicator sheet, a calendar day, an import
job) have no unit prefix.

Each test runs against a fresh copy of the seeded file: a POST may change anything.
"""

import os
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from tests.conftest import Clock, RequestScopedClient, _config
from tests.factories import FULL_REPORT, PASSWORD, make_user
from tests.web.conftest import auth, fresh  # noqa: F401  (web fixtures for the other tests here)
from workflow_app import create_app
from workflow_app.assessments import attachments
from workflow_app.assessments.models import Assessment, Objection
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.indicator_adjustments import record_adjustment
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db
from workflow_app.followups.services import add_measure, open_follow_up
from workflow_app.notifications.models import Notification
from workflow_app.people import calendar, import_jobs, substitutes, teams
from workflow_app.people.services import create_org_unit
from workflow_app.scoring.disputes import raise_objection
from workflow_app.scoring.disputes_models import ObjectionEvidence
from workflow_app.scoring.ratings import assign_raters, submit_rating
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.showcase import services as showcase
from workflow_app.showcase.rules import parse_period
from workflow_app.surveys.services import create_survey, issue_tokens

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
CADRES = ("cadre", "p1", "p2", "p3", "p4")
SCORES = {"de": 90, "neng": 90, "qin": 90, "ji": 90, "lian": 90}
# One import job per xdist worker: the instance folder (instance/imports/) is shared, and
# two workers rewriting the same job file raced (FileNotFoundError on its rename).
IMPORT_JOB = "feedc0de" + os.environ.get("PYTEST_XDIST_WORKER", "gw").removeprefix("gw").zfill(4)
# The actor of each role of the matrix; unit-bound roles act from unit A.
ACTORS = {"cadre": "A.cadre", "supervisor": "A.sup", "committee": "A.com",
          "secretary": "A.sec", "sub_admin": "sub_admin", "top_admin": "top_admin",
          "auditor": "auditor"}


class MatrixConfig:
    """CSRF is off for the matrix (a sample checks it separately, test_csrf_*)."""

    WTF_CSRF_ENABLED = False
    PEOPLE_IMPORT_IN_BACKGROUND = False


def _people(units, top):
    u = {"top_admin": make_user("top_admin", top, ["org_admin"]),
         "auditor": make_user("auditor", top, ["auditor"]),
         "sub_admin": make_user("sub_admin", units["A"], ["org_admin"])}
    for x, unit in units.items():
        sup = u[f"{x}.sup"] = make_user(f"{x.lower()}_sup", unit, ["supervisor"])
        u[f"{x}.com"] = make_user(f"{x.lower()}_com", unit, ["committee"])
        u[f"{x}.sec"] = make_user(f"{x.lower()}_sec", unit, ["secretary"])
        for name in CADRES:
            u[f"{x}.{name}"] = make_user(f"{x.lower()}_{name}", unit, ["cadre"], supervisor=sup)
    return u


def _cycle(admin, unit, clock, quarter):
    data = {"name": f"2026年第{quarter}季度 {unit.name}", "kind": "quarterly", "year": 2026,
            "quarter": quarter, "workflow": "quarterly",
            "opens_at": (clock.now - timedelta(days=1)).isoformat(),
            "submit_deadline": (clock.now + timedelta(days=14)).isoformat(),
            "committee_stage": True, "publicity_days": 5, "appeal_days": 15}
    cycle = create_cycle(admin, data, [unit])
    open_cycle(cycle, admin)
    return cycle


def _assessment(cycle, user):
    return db.session.scalar(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == user.id))


STAGES = (("submit", "cadre"), ("approve", "sup"), ("approve", "com"), ("approve", "sec"))


def _advance(a, u, x, steps):
    """Take an assessment `steps` stages along the quarterly workflow."""
    cadre = db.session.get(type(u[f"{x}.sup"]), a.cadre_id)
    save_report(a, cadre, FULL_REPORT)
    for event, who in STAGES[:steps]:
        actor = cadre if who == "cadre" else u[f"{x}.{who}"]
        fire_event(a, event, actor, score=90 if who in ("sup", "com") else None)


def _published_cycle(u, x, unit, clock, o):
    """Q1: everyone approved, graded and published; p1 objects to their own result."""
    cycle = o[f"{x}.cycle.published"] = _cycle(u["top_admin"], unit, clock, 1)
    for name in CADRES:
        _advance(_assessment(cycle, u[f"{x}.{name}"]), u, x, 4)
    grade_cycle(cycle, u["top_admin"])
    publish_cycle(cycle, u["top_admin"])
    o[f"{x}.cadre.published"] = _assessment(cycle, u[f"{x}.cadre"])
    disputed = o[f"{x}.p1.disputed"] = _assessment(cycle, u[f"{x}.p1"])
    raise_objection(disputed, u[f"{x}.p1"], "dispute", reason="漏记了防汛值守",
                    files=[("值守记录.pdf", PDF)])
    db.session.flush()
    objection = db.session.scalar(select(Objection).where(
        Objection.assessment_id == disputed.id))
    o[f"{x}.objection"] = objection
    o[f"{x}.objection.file"] = db.session.scalar(select(ObjectionEvidence.attachment_id).where(
        ObjectionEvidence.objection_id == objection.id))
    _follow_up(u, x, cycle, o)


def _follow_up(u, x, cycle, o):
    """A reminder talk (提醒谈话) of the cadre, everyone being tied last at 90, with one open
    measure the cadre owns."""
    follow_up, _ = open_follow_up(cycle, u[f"{x}.cadre"], u["top_admin"], "reminder_talk",
                                  reason="bottom_ranked", held_on="2026-04-08")
    o[f"{x}.followup"] = follow_up
    o[f"{x}.followup.measure"] = add_measure(follow_up, u["top_admin"], text="整改",
                                             owner=u[f"{x}.cadre"], due_on="2026-04-30")


def _open_cycle(u, x, unit, clock, o):
    """Q2: cadre drafting (with evidence), p1…p4 one stage further each."""
    cycle = o[f"{x}.cycle.open"] = _cycle(u["top_admin"], unit, clock, 2)
    draft = o[f"{x}.cadre.draft"] = _assessment(cycle, u[f"{x}.cadre"])
    save_report(draft, u[f"{x}.cadre"], FULL_REPORT)
    o[f"{x}.cadre.file"] = attachments.add(draft, u[f"{x}.cadre"], "台账.pdf", PDF)
    for steps, (name, state) in enumerate((("p1", "supervisor_review"),
                                            ("p2", "committee_review"),
                                            ("p3", "secretary_approval"),
                                            ("p4", "approved")), start=1):
        a = o[f"{x}.{name}.{state}"] = _assessment(cycle, u[f"{x}.{name}"])
        _advance(a, u, x, steps)
    _extras(u, x, unit, o, draft, o[f"{x}.p1.supervisor_review"])


def _extras(u, x, unit, o, draft, rated):
    admin = u["top_admin"]
    item = db.session.scalar(select(ind.CycleIndicatorItem).where(
        ind.CycleIndicatorItem.cycle_id == draft.cycle_id,
        ind.CycleIndicatorItem.kind == "bonus"))
    o[f"{x}.adjustment"] = record_adjustment(draft, admin, item_id=item.id, points=1,
                                             reason="表彰")
    # A 360 round on p1: the cadre still has to rate; the supervisor has rated.
    assign_raters(rated, admin, [(u[f"{x}.cadre"], "peer"), (u[f"{x}.sup"], "superior")])
    db.session.flush()
    o[f"{x}.rating"] = submit_rating(rated, u[f"{x}.sup"], SCORES)
    survey = o[f"{x}.survey"] = create_survey(draft, admin)
    o[f"{x}.survey.token"] = issue_tokens(survey, admin, 2, "sms")[0].token
    team = o[f"{x}.team"] = teams.create_team(admin, unit, f"{unit.name}两委班子")
    o[f"{x}.team.member"] = teams.add_member(admin, team, u[f"{x}.sec"], "书记")
    # Not yet started (the clock says 1 April): the committee member does not act for the
    # supervisor in the matrix, but the appointment can still be ended.
    o[f"{x}.deduction"] = showcase.deduct_stars(
        admin, unit, parse_period("2026-04"), ("person", u[f"{x}.cadre"].id), "tasks", 1,
        "criticism", "通报批评")
    o[f"{x}.substitution"] = substitutes.appoint(
        admin, u[f"{x}.sup"], u[f"{x}.com"], "2026-05-01T00:00", "2026-05-31T00:00", "休假")


def _notes(u, o):
    """The cadre's in-app message, and a dead letter of the cadre's for the outbox."""
    db.session.flush()
    for x in ("A", "B"):
        notes = db.session.scalars(select(Notification).where(
            Notification.user_id == u[f"{x}.cadre"].id).order_by(Notification.id)).all()
        o[f"{x}.note"] = next(n for n in notes if n.channel == "in_app")
        dead = o[f"{x}.dead_letter"] = next(n for n in notes if n.channel != "in_app")
        dead.status = "dead"


def build(clock):
    top = create_org_unit("县委组织部", None, "")
    town = create_org_unit("城关镇", top, "乡镇")
    units = {"A": create_org_unit("东街社区", town, "社区"),
             "B": create_org_unit("西街社区", town, "社区")}
    u = _people(units, top)
    o = {"sheet": ind.save_sheet(u["top_admin"], None, _sheet()), "town": town, "top": top}
    o["sheet.item"] = o["sheet"].items[0]
    calendar.set_day(u["top_admin"], "2026-05-09", "workday", "调休")
    for x, unit in units.items():
        o[f"{x}.unit"] = unit
        _published_cycle(u, x, unit, clock, o)
        _open_cycle(u, x, unit, clock, o)
        for name, user in u.items():
            if name.startswith(f"{x}."):
                o[f"{name}.user"] = user
    _notes(u, o)
    db.session.commit()
    ids = {name: getattr(obj, "id", obj) for name, obj in o.items()}
    ids.update(day="2026-05-09", job=IMPORT_JOB)
    return ids, {role: u[name].username for role, name in ACTORS.items()}


def _sheet():
    return {"category": "社区", "name": "社区考核指标", "bonus_cap": 4, "penalty_cap": 10,
            "items": [{"kind": "common", "name": "共性指标", "standard": "标准", "weight": 100},
                      {"kind": "bonus", "name": "表彰奖励", "cap": 3},
                      {"kind": "penalty", "name": "工作失误", "cap": 5}]}


class Seeded:
    """One app on one SQLite file; `reset()` puts the seeded copy back (sessions and tokens
    of every role included: they were made once, before the copy was taken)."""

    def __init__(self, app, path, template, objects, usernames):
        self.app, self.path, self.template = app, path, template
        self.objects, self.usernames = objects, usernames
        self.cookies, self.tokens = {}, {}
        self.app.test_client_class = RequestScopedClient

    def reset(self):
        self._close()
        shutil.copy(self.template, self.path)
        with self.app.app_context():
            import_jobs._write(IMPORT_JOB, {"status": "done", "stage": "", "done": 1,
                                            "total": 1, "file": "people.csv", "user_id": 1,
                                            "report": [], "summary": "1"})

    def _close(self):
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        for suffix in ("-wal", "-shm"):
            self.path.with_name(self.path.name + suffix).unlink(missing_ok=True)

    def log_everyone_in(self):
        """A browser session and an API token per role, kept in the seeded copy."""
        for role, username in self.usernames.items():
            client = self.app.test_client()
            resp = client.post("/login", data={"username": username, "password": PASSWORD})
            assert resp.status_code == 302, resp.get_data(as_text=True)
            self.cookies[role] = client.get_cookie("session").value
            resp = client.post("/api/v1/tokens", json={"username": username,
                                                       "password": PASSWORD})
            assert resp.status_code == 201, resp.get_json()
            self.tokens[role] = resp.get_json()["token"]
        with self.app.app_context():
            db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        self._close()
        shutil.copy(self.path, self.template)

    def client(self, role):
        """A test client with `role`'s session cookie (None: anonymous)."""
        client = self.app.test_client()
        if role is not None:
            client.set_cookie("session", self.cookies[role])
        return client


@pytest.fixture(scope="module")
def seeded(sqlite_template, tmp_path_factory):
    folder = tmp_path_factory.mktemp("matrix")
    template, path = folder / "seeded.sqlite", folder / "run.sqlite"
    shutil.copy(sqlite_template, template)
    clock = Clock()
    base = _config(f"sqlite:///{template}", clock)
    cfg = type("Cfg", (MatrixConfig, base), {"UPLOAD_FOLDER": str(folder / "uploads")})
    app = create_app(cfg)
    with app.app_context():
        objects, usernames = build(clock)
        db.session.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        db.session.remove()
        db.engine.dispose()
    run_cfg = type("Run", (cfg,), {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    seeded = Seeded(create_app(run_cfg), path, template, objects, usernames)
    seeded.reset()
    seeded.log_everyone_in()
    seeded.reset()
    yield seeded
    seeded._close()
    with seeded.app.app_context():
        (import_jobs._folder() / f"{IMPORT_JOB}.json").unlink(missing_ok=True)

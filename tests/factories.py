"""`create_*` factories and a small standard org tree used by most tests.

world:  县委组织部 (root, org_admin: admin; auditor: audit)
        └─ 城关镇 (town)
           ├─ 东街社区 (community A): cadres a1, a2, a3 (supervisor: sup_a),
           │                          committee: com_a1, com_a2; secretary: sec_a
           └─ 西街社区 (community B): cadre b1 (supervisor: sup_b), committee com_b, sec_b
"""

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import insert, select, text

from workflow_app.assessments.fanout import fan_out
from workflow_app.cycles.services import create_cycle as create_cycle_service
from workflow_app.cycles.services import open_cycle
from workflow_app.extensions import db
from workflow_app.people.services import create_org_unit, create_user

PASSWORD = "password123"
FULL_REPORT = {
    "key_work": "完成社区人口普查入户登记 1200 户",
    "indicator_progress": "目标 1200 户，完成 1200 户",
    "most_satisfied": "老旧小区改造按期完工",
    "least_satisfied": "垃圾分类宣传覆盖不足",
    "self_evaluation": "本季度工作积极主动，按时完成各项任务",
    "self_scores": {"de": 95, "neng": 90, "qin": 92, "ji": 88, "lian": 96},
    "indicators": [{"name": "人口普查入户登记", "target": "1200 户", "actual": "1200 户",
                    "evidence_note": "入户登记台账"}],
}


# The second POST of a many-people operation (workflow_app/confirmation.py).
CONFIRMED = {"confirmed": "yes"}


def exclude_unfinished(cycle, actor, reason="借调外单位，不参加本次考核"):
    """Publishing waits for the whole cycle: take out whoever is not approved yet."""
    from sqlalchemy import select

    from workflow_app.assessments.models import Assessment
    from workflow_app.assessments.services import fire_event
    from workflow_app.cycles.progress import DONE_FOR_PUBLISH

    pending = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.state.not_in(DONE_FOR_PUBLISH))).all()
    for a in pending:
        fire_event(a, "exclude", actor, reason=reason)
    db.session.commit()
    return len(pending)


@dataclass
class World:
    units: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)

    def __getattr__(self, name):
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


def told():
    """Tell what was committed, as the request or the dispatcher does after a commit
    (tests that call the services directly have neither)."""
    fan_out()
    db.session.commit()


def bulk_waiting_items(world, count, clock, prefix="bulk"):
    """`count` more cadres of sup_a's with items in supervisor review, written in bulk (no
    services: for tests of long lists), due dates spread around now."""
    from workflow_app.assessments.models import Assessment
    from workflow_app.people.models import User

    unit, sup = world.units["a"], world.sup_a
    db.session.execute(insert(User), [
        {"username": f"{prefix}{i}", "password_hash": "x", "display_name": f"批量{i}",
         "org_unit_id": unit.id, "supervisor_id": sup.id} for i in range(count)])
    cadre_ids = db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%"))).all()
    cycle_id = db.session.scalar(select(Assessment.cycle_id).limit(1))
    db.session.execute(insert(Assessment), [
        {"cycle_id": cycle_id, "cadre_id": cid, "org_unit_id": unit.id,
         "state": "supervisor_review", "state_since": clock.now - timedelta(minutes=i),
         "due_at": clock.now + timedelta(days=i % 9 - 4)} for i, cid in enumerate(cadre_ids)])
    db.session.commit()


def make_user(username, unit, roles, supervisor=None, email=""):
    return create_user(None, username=username, password=PASSWORD, display_name=username,
                       org_unit=unit, roles=roles, supervisor=supervisor,
                       email=email or f"{username}@example.test")


def build_world():
    w = World()
    root = create_org_unit("县委组织部", None, "")
    town = create_org_unit("城关镇", root, "乡镇")
    com_a = create_org_unit("东街社区", town, "社区")
    com_b = create_org_unit("西街社区", town, "社区")
    w.units.update(root=root, town=town, a=com_a, b=com_b)
    u = w.users
    u["admin"] = make_user("admin", root, ["org_admin"])
    u["audit"] = make_user("audit", root, ["auditor"])
    u["sup_a"] = make_user("sup_a", town, ["supervisor", "cadre"])
    u["sup_b"] = make_user("sup_b", town, ["supervisor"])
    u["com_a1"] = make_user("com_a1", com_a, ["committee"])
    u["com_a2"] = make_user("com_a2", com_a, ["committee"])
    u["sec_a"] = make_user("sec_a", com_a, ["secretary"])
    u["com_b"] = make_user("com_b", com_b, ["committee"])
    u["sec_b"] = make_user("sec_b", com_b, ["secretary"])
    for name in ("a1", "a2", "a3"):
        u[name] = make_user(name, com_a, ["cadre"], supervisor=u["sup_a"])
    u["b1"] = make_user("b1", com_b, ["cadre"], supervisor=u["sup_b"])
    u["town_admin"] = make_user("town_admin", com_b, ["org_admin"])
    db.session.commit()
    return w


def cycle_data(world, clock, **overrides):
    data = {"name": "2026年第一季度平时考核", "kind": "quarterly", "year": 2026, "quarter": 1,
            "workflow": "quarterly", "opens_at": (clock.now - timedelta(days=1)).isoformat(),
            "submit_deadline": (clock.now + timedelta(days=14)).isoformat(),
            "committee_stage": True, "publicity_days": 5, "appeal_days": 15}
    data.update(overrides)
    return data


@pytest.fixture
def world(app):
    return standard_world(app)


# --- the standard world, built once per process and kind of database -------------------------
# Building it through the services (4 units, 16 users, each write audited and chained) is
# most of a short test's setup, and the suite does it a few thousand times. The first test
# of a process builds it; later tests get the very same rows (audit chain and MACs
# included) copied into their empty database. tests/test_world_snapshot.py holds the copy
# to be the same as a build.

_SNAPSHOTS = {}


def standard_world(app):
    if app.config.get("CLOCK") is None:  # the wall clock: no two builds are alike
        return build_world()
    key = _snapshot_key(app)
    if key not in _SNAPSHOTS:
        world = build_world()
        _SNAPSHOTS[key] = _capture(world)
        return world
    return _restore(_SNAPSHOTS[key])


def _snapshot_key(app):
    """What the rows depend on: timestamps (the clock), MACs (the key), password hashes."""
    cfg = app.config
    return (db.engine.dialect.name, cfg["CLOCK"](), cfg["AUDIT_KEY"], cfg["SECRET_KEY"],
            cfg.get("ARGON2_TIME_COST"), cfg.get("ARGON2_MEMORY_COST"))


def _capture(world):
    rows = {t.name: [dict(r._mapping) for r in db.session.execute(t.select())]
            for t in db.metadata.sorted_tables}
    return {"rows": {name: found for name, found in rows.items() if found},
            "sequences": _sequences(),
            "units": {k: u.id for k, u in world.units.items()},
            "users": {k: u.id for k, u in world.users.items()}}


def _sequences():
    if db.engine.dialect.name == "postgresql":
        return db.session.execute(text("SELECT schemaname || '.' || sequencename, last_value "
                                       "FROM pg_sequences WHERE last_value IS NOT NULL")).all()
    return []  # SQLite without AUTOINCREMENT: the next id follows the rows


def _restore(snapshot):
    from workflow_app.people.models import OrgUnit, User

    for table in db.metadata.sorted_tables:
        if table.name in snapshot["rows"]:
            db.session.execute(table.insert(), snapshot["rows"][table.name])
    for name, value in snapshot["sequences"]:
        db.session.execute(text("SELECT setval(:name, :value)"), {"name": name, "value": value})
    db.session.commit()
    return World(units=_by_id(OrgUnit, snapshot["units"]), users=_by_id(User, snapshot["users"]))


def _by_id(model, ids):
    found = {o.id: o for o in db.session.scalars(select(model).where(model.id.in_(ids.values())))}
    return {name: found[i] for name, i in ids.items()}


@pytest.fixture
def create_cycle(world, clock):
    def factory(units=None, open_now=True, **overrides):
        units = units or [world.units["town"]]
        cycle = create_cycle_service(world.admin, cycle_data(world, clock, **overrides), units)
        if open_now:
            open_cycle(cycle, world.admin)
        db.session.commit()
        return cycle
    return factory


class ApiClient:
    def __init__(self, client, token=None):
        self.client, self.token = client, token

    def _headers(self):
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def get(self, path, **kw):
        return self.client.get("/api/v1" + path, headers=self._headers(), **kw)

    def post(self, path, json=None, **kw):
        return self.client.post("/api/v1" + path, json=json, headers=self._headers(), **kw)

    def put(self, path, json=None, **kw):
        return self.client.put("/api/v1" + path, json=json, headers=self._headers(), **kw)

    def fire(self, assessment_id, event, **payload):
        return self.post(f"/assessments/{assessment_id}/events/{event}", json=payload)


@pytest.fixture
def api(client):
    """api.as_user("a1") -> an ApiClient logged in with a bearer token."""
    class Api(ApiClient):
        def as_user(self, username, password=PASSWORD):
            resp = client.post("/api/v1/tokens", json={"username": username,
                                                       "password": password})
            assert resp.status_code == 201, resp.get_json()
            return ApiClient(client, resp.get_json()["token"])
    return Api(client)

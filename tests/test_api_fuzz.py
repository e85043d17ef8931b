"""API fuzzing (issue 9): schemathesis generates requests for every operation of
/api/v1/openapi.json and checks that none answers 5xx and every answer matches the
documented schema.

Bounded for CI: MAX_EXAMPLES per operation, derandomized (the same cases every run, so
a failure reproduces), no deadline (a busy CI machine is slow, not wrong). SQLite only:
the point is the application's handling of input, which does not depend on the
database; PostgreSQL-specific limits (integer width, NUL in text) are covered by the
boundary's own tests in tests/test_inputs.py, which run on both.
"""

import json
import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.conftest import Clock, _config
from tests.factories import FULL_REPORT, PASSWORD, build_world, cycle_data
from workflow_app import create_app
from workflow_app.api.openapi import build_spec
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db
from workflow_app.surveys.services import create_survey
from workflows.registry import all_workflows

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance]


def _seed(world, clock):
    """One open cycle: a1 submitted, a2 drafting, a survey on a1."""
    cycle = create_cycle(world.admin, cycle_data(world, clock), [world.units["town"]])
    open_cycle(cycle, world.admin)
    mine = {a.cadre_id: a for a in db.session.query(Assessment)}
    a1 = mine[world.a1.id]
    save_report(a1, world.a1, FULL_REPORT)
    fire_event(a1, "submit", world.a1)
    survey = create_survey(a1, world.admin)
    db.session.commit()
    return {"id": [a.id for a in mine.values()] + [cycle.id], "survey_id": [survey.id]}


@pytest.fixture(scope="module")
def fuzz(sqlite_template, tmp_path_factory):
    """A seeded app (module-wide: seeding once keeps the run short) and its known ids."""
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.sqlite"
    shutil.copy(sqlite_template, path)
    clock = Clock()
    app = create_app(_config(f"sqlite:///{path}", clock))
    with app.app_context():
        world = build_world()
        known = _seed(world, clock)
        client = app.test_client()
        tokens = {name: client.post("/api/v1/tokens", json={
            "username": name, "password": PASSWORD}).get_json()["token"]
            for name in ("admin", "a1")}
        db.session.remove()
    yield app, known, tokens


# The document the app serves (/api/v1/openapi.json is build_spec() as JSON); loaded at
# import so pytest can list one test per operation. The app is attached in `_run`.
schema = schemathesis.openapi.from_dict(json.loads(json.dumps(build_spec())))
# Not fuzzed with the shared tokens: revoking the token or changing the password would
# end every later call's session (tests/test_sessions.py and test_password_change.py
# cover both).
schema = schema.exclude(path="/tokens/current").exclude(path="/me/password")
# Valid requests and invalid ones (wrong types, missing fields, out-of-range numbers).
schema.config.generation.update(modes=list(GenerationMode))
EVENTS = sorted({e for w in all_workflows() for e in w.events})


def _aim(case, known):
    """Small generated ids point at seeded rows, so handlers get past "not found"; large
    ones stay, to fuzz the 404 path."""
    for name, value in (case.path_parameters or {}).items():
        pool = known.get(name, known["id"])
        if isinstance(value, str) and value.isascii() and value.isdecimal():
            value = int(value)
        if isinstance(value, int) and 0 <= value < 1000:
            case.path_parameters[name] = pool[value % len(pool)]
        elif name == "event" and isinstance(value, str) and len(value) < 3:
            case.path_parameters[name] = EVENTS[len(value) % len(EVENTS)]


def _run(case, fuzz, who):
    app, known, tokens = fuzz
    _aim(case, known)
    with app.app_context():
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {tokens[who]}"},
                               checks=CHECKS)


FUZZ_SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                         database=None, suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_org_admin(case, fuzz):
    _run(case, fuzz, "admin")


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_as_cadre(case, fuzz):
    _run(case, fuzz, "a1")


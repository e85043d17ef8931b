"""Every JSON answer the API tests below receive matches what /api/v1/openapi.json
declares for it (the response models of workflow_app/api/schemas): the lifecycle tests,
and the API tests of overrides, ratings, surveys and indicator sheets, run again here with
an `api` client that checks each answer against the served document. Every documented
answer has its own model (no plain object): grading, reminders, 360 summaries and rating
rounds, survey summaries, withdrawn entries, team results and follow-ups are exercised too."""

import re

import jsonschema_rs
import pytest

from tests.factories import PASSWORD, ApiClient
from tests.test_anonymity import (  # noqa: F401  (collected again, checked here)
    test_the_summary_is_released_only_when_closed_with_enough_raters,
)
from tests.test_api_lifecycle import (  # noqa: F401
    test_cycle_without_committee_stage_skips_it,
    test_every_state_through_the_api,
)
from tests.test_cadence_api import (  # noqa: F401
    test_a_month_goes_through_its_review_chain_by_api,
    test_create_list_and_show_a_month_and_a_half_year,
)
from tests.test_cycle_progress import (  # noqa: F401
    running,
    test_remind_reaches_each_drafter_once_a_day,
)
from tests.test_followups import graded_cycle  # noqa: F401
from tests.test_followups_web import fu_cycle, test_the_api_end_to_end  # noqa: F401
from tests.test_indicator_sheets_web import (  # noqa: F401
    auth,
    test_api_records_entries_for_admins_only,
    test_api_sheets_for_top_level_admins,
    test_the_cycle_copy_is_shown_to_admins_and_auditors_only,
)
from tests.test_override import (  # noqa: F401
    graded,
    test_committee_decides_the_tie_by_override,
    test_override_refusals,
)
from tests.test_rating_deadline import (  # noqa: F401
    round_,
    test_the_api_sets_and_clears_it,
)
from tests.test_ratings import (  # noqa: F401
    rated,
    test_a_small_group_is_folded_and_never_exposed,
    test_an_individual_rating_is_read_by_its_rater_only,
    test_nobody_rates_twice,
    test_rating_tasks_list_only_the_callers_own,
)
from tests.test_records import (  # noqa: F401
    history,
    test_superiors_and_staff_read_the_same_published_record,
    test_the_cadre_reads_what_was_published_and_nothing_else,
)
from tests.test_showcase_api import (  # noqa: F401
    test_invalid_stars_are_named,
    test_own_stars_unknown_periods_and_units,
    test_record_and_read_the_board,
)
from tests.test_surveys import (  # noqa: F401
    test_links_and_spot_checks_through_the_api,
    test_who_reads_survey_results,
)
from tests.test_teams import team, test_who_sees_team_results  # noqa: F401
from workflow_app.api.openapi import ENDPOINTS, build_spec

SPEC = build_spec()
ROUTES = [(e, re.compile("^" + re.sub(r"\{\w+\}", "[^/]+", e.path) + "$")) for e in ENDPOINTS]
CHECKED = []


def _declared(method, path, status):
    """The schema of the answer the document declares for this request and status."""
    endpoint = next(e for e, pattern in ROUTES if e.method == method and pattern.match(path))
    responses = SPEC["paths"][endpoint.path][method]["responses"]
    # A repeated create answers 200 instead of 201 (the survey that existed): same body.
    answer = responses.get(str(status)) or (responses[str(endpoint.status)]
                                            if status < 300 else None)
    assert answer is not None, f"{method.upper()} {path}: {status} is not documented"
    return answer["content"]["application/json"]["schema"]


def check_answer(method, path, resp):
    if resp.status_code == 204:
        return resp
    schema = _declared(method, path.split("?")[0], resp.status_code)
    validator = jsonschema_rs.validator_for({**schema, "components": SPEC["components"]})
    errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(resp.get_json())]
    assert not errors, (method, path, resp.status_code, errors[:5])
    CHECKED.append((method, path))
    return resp


class CheckingClient(ApiClient):
    def get(self, path, **kw):
        return check_answer("get", path, super().get(path, **kw))

    def post(self, path, json=None, **kw):
        return check_answer("post", path, super().post(path, json=json, **kw))

    def put(self, path, json=None, **kw):
        return check_answer("put", path, super().put(path, json=json, **kw))


@pytest.fixture
def api(client):
    """The suite's `api` fixture, checking every answer."""
    class Api(CheckingClient):
        def as_user(self, username, password=PASSWORD):
            resp = self.post("/tokens", json={"username": username, "password": password})
            assert resp.status_code == 201, resp.get_json()
            return CheckingClient(client, resp.get_json()["token"])
    return Api(client)


@pytest.fixture(autouse=True)
def answers_were_checked():
    CHECKED.clear()
    yield
    assert CHECKED, "no API answer was checked"


def test_an_answer_off_its_schema_is_caught(world, api):
    """The check itself: a summary without its state does not pass."""
    me = api.as_user("a1")
    schema = _declared("get", "/assessments", 200)
    validator = jsonschema_rs.validator_for({**schema, "components": SPEC["components"]})
    assert validator.is_valid(me.get("/assessments").get_json())
    assert not validator.is_valid([{"id": 1, "version": 1}])
    assert not validator.is_valid([{"id": 1, "version": 1, "state": "nowhere"}])


def test_every_answer_is_declared_by_a_model(world, api):
    """No endpoint documents its answer as a plain object any more; a model's keys count."""
    plain = [f"{method.upper()} {path}" for path, ops in SPEC["paths"].items()
             for method, op in ops.items() for status, answer in op["responses"].items()
             if status.startswith("2") and "content" in answer
             and "$ref" not in str(answer["content"]["application/json"]["schema"])]
    assert plain == []
    api.as_user("admin")  # one real answer checked, as every test here does
    validator = jsonschema_rs.validator_for({**_declared("post", "/cycles/1/grade", 200),
                                             "components": SPEC["components"]})
    assert validator.is_valid({"graded": 2, "ungraded": 0, "grades": {"好": 2},
                               "preview": False})
    assert not validator.is_valid({"graded": 2, "ungraded": 0, "grades": {"好": 2}})

"""The workflow engine as plain data: no Flask, no database."""

import subprocess
import sys

import pytest

from workflows import EventNotAvailable, GuardFailed, engine_for, get_workflow


def guards(*true):
    return lambda name: name in true


QUARTERLY = [
    # state, event, guards that hold, expected destination
    ("drafting", "submit", ("report_complete", "window_open"), "supervisor_review"),
    ("supervisor_review", "approve", ("committee_stage",), "committee_review"),
    ("supervisor_review", "approve", (), "secretary_approval"),
    ("committee_review", "approve", ("committee_stage",), "secretary_approval"),
    ("secretary_approval", "approve", (), "approved"),
    ("supervisor_review", "send_back", (), "drafting"),
    ("committee_review", "send_back", (), "drafting"),
    ("secretary_approval", "send_back", (), "drafting"),
    ("approved", "publish", ("graded",), "published"),
    ("published", "dispute", ("publication_open",), "disputed"),
    ("disputed", "uphold", ("committee_stage",), "committee_review"),
    ("disputed", "uphold", (), "supervisor_review"),
    ("disputed", "dismiss", (), "published"),
    ("published", "finalize", ("publication_ended",), "final"),
    ("final", "appeal", ("appeal_open",), "appealed"),
    ("appealed", "grant", ("committee_stage",), "committee_review"),
    ("appealed", "deny", (), "final"),
]


@pytest.mark.parametrize(("state", "event", "true", "dest"), QUARTERLY)
def test_quarterly_transitions(state, event, true, dest):
    assert engine_for("quarterly", 1).fire(state, event, guards(*true)).dest == dest


BLOCKED = [
    ("drafting", "submit", ("window_open",), "report_complete"),
    ("drafting", "submit", ("report_complete",), "window_open"),
    ("approved", "publish", (), "graded"),
    ("published", "dispute", (), "publication_open"),
    ("published", "finalize", (), "publication_ended"),
    ("final", "appeal", (), "appeal_open"),
]


@pytest.mark.parametrize(("state", "event", "true", "guard"), BLOCKED)
def test_guard_failure_names_the_guard(state, event, true, guard):
    with pytest.raises(GuardFailed) as info:
        engine_for("quarterly", 1).fire(state, event, guards(*true))
    assert info.value.guard == guard


@pytest.mark.parametrize(("state", "event"), [
    ("drafting", "approve"), ("approved", "submit"), ("final", "dispute"),
    ("published", "send_back"), ("disputed", "finalize"),
])
def test_event_not_available(state, event):
    with pytest.raises(EventNotAvailable):
        engine_for("quarterly", 1).fire(state, event, guards())


def test_who_may_fire_is_data():
    engine = engine_for("quarterly", 1)
    assert engine.actors("supervisor_review", "approve") == {"supervisor"}
    assert engine.actors("published", "dispute") == {"cadre", "unit_member"}
    assert engine.actors("published", "finalize") == {"system", "org_admin"}
    assert engine.events_from("drafting") == ["submit"]


def test_community_three_level_review():
    engine, g = engine_for("community_quarterly", 1), guards("report_complete", "window_open")
    chain = [("drafting", "submit"), ("committee_review", "approve"),
             ("secretary_approval", "approve"), ("leader_review", "approve")]
    dests = [engine.fire(state, event, g).dest for state, event in chain]
    assert dests == ["committee_review", "secretary_approval", "leader_review", "approved"]
    assert get_workflow("community_quarterly").stage_actor["leader_review"] == "supervisor"


def test_send_back_requires_comment_and_committee_score_is_conditional():
    engine = engine_for("quarterly", 1)
    send_back = engine.candidates("committee_review", "send_back")[0]
    assert send_back.field_rule("comment", guards()) == "required"
    approve = engine.candidates("committee_review", "approve")[0]
    assert approve.field_rule("score", guards("committee_scores")) == "required"
    assert approve.field_rule("score", guards()) == "optional"


def test_workflows_import_neither_flask_nor_sqlalchemy():
    code = ("import sys, workflows; workflows.engine_for('quarterly', 1); "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr

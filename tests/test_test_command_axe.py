"""`python3 -m workflow_app test` and axe-core (issue 11, item 20): installed with npm when
npm is there and the pinned version is missing; without npm the run goes on and says
the accessibility checks will be skipped; nothing is done when the pin is installed."""

import json
import shutil

import pytest

from workflow_app import __main__ as command

LOCK = {"packages": {"": {}, "node_modules/axe-core": {"version": "4.10.3"}}}


def _a11y(tmp_path, installed=None):
    (tmp_path / "package-lock.json").write_text(json.dumps(LOCK))
    if installed:
        package = tmp_path / "node_modules" / "axe-core"
        package.mkdir(parents=True)
        (package / "package.json").write_text(json.dumps({"version": installed}))
    return tmp_path


@pytest.mark.parametrize(("installed", "npm", "runs_npm", "says"), [
    ("4.10.3", "/usr/bin/npm", False, ""),
    (None, "/usr/bin/npm", True, "installing axe-core"),
    ("4.9.0", "/usr/bin/npm", True, "installing axe-core"),  # the pin moved on
    (None, None, False, "the accessibility checks will be SKIPPED"),
])
def test_axe_core_for_the_test_command(monkeypatch, tmp_path, capsys, installed, npm,
                                       runs_npm, says):
    monkeypatch.setattr(command, "A11Y", _a11y(tmp_path, installed))
    monkeypatch.setattr(shutil, "which", lambda name: npm)
    calls = []
    monkeypatch.setattr(command.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    command.ensure_axe()
    assert bool(calls) == runs_npm
    if runs_npm:
        assert calls[0][:4] == ["npm", "ci", "--prefix", str(tmp_path)]
    out = capsys.readouterr().out
    assert (says in out) if says else out == ""

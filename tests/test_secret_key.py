"""The app never signs with a known key: outside the suite and the demo it refuses to start."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from config import DevelopmentConfig, ProductionConfig, demo_secret_key, settle_secret_key
from workflow_app import create_app

ROOT = Path(__file__).resolve().parent.parent
STRONG = "9f2c41d0b7a85e63c1f04a9d2b7e58c3a6d19f0e4b2c7a85"


def _run(args, tmp_path, **env):
    """A fresh interpreter, as an operator starts it, with SECRET_KEY unset by default."""
    base = {k: v for k, v in os.environ.items()
            if k not in ("SECRET_KEY", "KAOHE_CONFIG", "KAOHE_DEMO", "DATABASE_URL")}
    base.update(PYTHONPATH=str(ROOT), KAOHE_INSTANCE_DIR=str(tmp_path / "instance"), **env)
    return subprocess.run([sys.executable, *args], cwd=tmp_path, env=base,
                          capture_output=True, text=True, timeout=120)


START = ["-c", "from workflow_app import create_app; app = create_app(); "
               "import hashlib; print(hashlib.sha256(app.secret_key.encode()).hexdigest())"]


@pytest.mark.parametrize("env", [
    {},                                          # KAOHE_CONFIG unset
    {"KAOHE_CONFIG": "development"},
    {"KAOHE_CONFIG": "production", "SECRET_KEY": ""},
    {"KAOHE_CONFIG": "development", "SECRET_KEY": "dev-only-not-secret"},  # the old default
])
def test_the_app_refuses_to_start_without_a_strong_key(tmp_path, env):
    result = _run(START, tmp_path, **env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr.splitlines()[-1]
    assert not (tmp_path / "instance" / "secret_key").exists()


@pytest.mark.parametrize("key", ["", "dev-only-not-secret", "DEV-ONLY-NOT-SECRET", "test-secret",
                                 "bench-not-secret", "short-key-1234", "a" * 64,
                                 "abababababababababababababababab"])
@pytest.mark.parametrize("base", [DevelopmentConfig, ProductionConfig])
def test_weak_or_known_keys_are_refused(base, key):
    class Cfg(base):
        SECRET_KEY = key
        KAOHE_DEMO = False
        SQLALCHEMY_DATABASE_URI = "sqlite://"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(Cfg)


def test_a_strong_key_starts(tmp_path):
    result = _run(START, tmp_path, KAOHE_CONFIG="production", SECRET_KEY=STRONG,
                  AUDIT_KEY=STRONG)
    assert result.returncode == 0, result.stderr


def test_the_demo_generates_a_private_key_once_and_keeps_it(tmp_path):
    first = _run(START, tmp_path, KAOHE_CONFIG="development", KAOHE_DEMO="1")
    assert first.returncode == 0, first.stderr
    key_file = tmp_path / "instance" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(key_file.read_text().strip()) >= 32
    again = _run(START, tmp_path, KAOHE_CONFIG="development", KAOHE_DEMO="1")
    assert again.stdout == first.stdout  # same key after a restart: sessions survive
    # The demo's CLI commands run with that key too.
    cli = _run(["-m", "flask", "--app", "workflow_app", "scheduler", "--list"], tmp_path,
               KAOHE_CONFIG="development", KAOHE_DEMO="1")
    assert cli.returncode == 0, cli.stderr


def test_demo_keys_differ_between_installations(tmp_path):
    one, two = demo_secret_key(tmp_path / "a"), demo_secret_key(tmp_path / "b")
    assert one != two and demo_secret_key(tmp_path / "a") == one


def test_only_the_test_configuration_is_exempt(tmp_path):
    config = {"TESTING": True, "SECRET_KEY": "test-secret"}
    settle_secret_key(config, tmp_path)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        settle_secret_key({"SECRET_KEY": "test-secret", "KAOHE_DEMO": True}, tmp_path)

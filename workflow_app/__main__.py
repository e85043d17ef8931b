"""The README's two commands, runnable with nothing but python3:

    python3 -m workflow_app demo   # set up, seed and start the demo on SQLite
    python3 -m workflow_app test   # set up and run the whole test suite

Standard library only: it creates .venv, installs what pyproject.toml lists, and
hands over to the virtual environment's Python.
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".kaohe-installed"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/kaohe_test"
A11Y = ROOT / "tests" / "browser" / "a11y"


def say(text):
    print(f"[kaohe] {text}", flush=True)


def requirements(extras):
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return reqs


def ensure_venv(extras=()):
    """Create .venv and install the requirements, once per pyproject.toml content."""
    reqs = requirements(extras)
    digest = hashlib.sha256("\n".join(reqs).encode()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    if not PY.exists():
        say("creating .venv")
        venv.create(VENV, with_pip=True)
    say("installing dependencies (first run only)")
    subprocess.run([str(PY), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    *reqs], check=True, cwd=ROOT)
    STAMP.write_text(digest)


def flask(*args, env=None):
    cmd = [str(PY), "-m", "flask", "--app", "workflow_app", *args]
    return subprocess.run(cmd, check=True, cwd=ROOT, env=env)


def demo():
    ensure_venv()
    env = {**os.environ, "KAOHE_CONFIG": "development", "KAOHE_DEMO": "1"}
    env.pop("DATABASE_URL", None)  # the demo always runs on the embedded SQLite
    flask("init-db", env=env)
    flask("seed-demo", env=env)
    port = env.get("PORT", "5000")
    say(f"Kaohe demo: http://127.0.0.1:{port}/  (Ctrl+C to stop)")
    os.execve(str(PY), [str(PY), "-m", "workflow_app.devserver"], env)


def find_postgres():
    """TEST_DATABASE_URL, or a local server at the default address (database created)."""
    if os.environ.get("TEST_DATABASE_URL"):
        return os.environ["TEST_DATABASE_URL"]
    probe = ("import psycopg,sys\n"
             "try:\n"
             "  c=psycopg.connect('postgresql://postgres@127.0.0.1:5432/postgres',"
             "connect_timeout=3,autocommit=True)\n"
             "except Exception as e:\n"
             "  sys.exit(1)\n"
             "if not c.execute(\"select 1 from pg_database where datname='kaohe_test'\")"
             ".fetchone():\n"
             "  c.execute('create database kaohe_test')\n")
    found = subprocess.run([str(PY), "-c", probe], capture_output=True).returncode == 0
    return DEFAULT_PG if found else ""


def test(args):
    ensure_venv(extras=("dev",))
    env = dict(os.environ)
    url = find_postgres()
    if url:
        env["TEST_DATABASE_URL"] = url
        say(f"PostgreSQL tests run against {url.rsplit('@', 1)[-1]}")
    else:
        env.pop("TEST_DATABASE_URL", None)
        say("PostgreSQL not reachable: the PostgreSQL half of the suite will be SKIPPED "
            "(set TEST_DATABASE_URL to run it)")
    if not Path("/usr/bin/chromium").exists():
        say("Chromium not found at /usr/bin/chromium: browser tests will be SKIPPED "
            "(apt-get install chromium)")
    ensure_axe()
    result = subprocess.run([str(PY), "-m", "pytest", *parallel(args), *args], cwd=ROOT,
                            env=env)
    return result.returncode


def axe_installed():
    lock = json.loads((A11Y / "package-lock.json").read_text())
    installed = A11Y / "node_modules" / "axe-core" / "package.json"
    return (installed.exists() and json.loads(installed.read_text())["version"]
            == lock["packages"]["node_modules/axe-core"]["version"])


def ensure_axe():
    """axe-core, pinned by tests/browser/a11y/package-lock.json, for the accessibility
    checks of the browser journeys: installed with npm when npm is there (like .venv,
    on the first run and when the pin changes). Without npm, or when the install fails,
    the run goes on and those checks are skipped: python3 alone must be enough."""
    if axe_installed():
        return
    if shutil.which("npm"):
        say("installing axe-core for the accessibility checks (npm ci)")
        subprocess.run(["npm", "ci", "--prefix", str(A11Y), "--no-audit", "--no-fund",
                        "--loglevel=error"], cwd=ROOT)
    if not axe_installed():
        say("axe-core not installed: the accessibility checks will be SKIPPED "
            "(needs npm: apt-get install npm)")


def parallel(args):
    """pytest-xdist options: one worker per core (at most 4) unless the caller chose.

    KAOHE_TEST_WORKERS=0 runs in one process. `worksteal` balances the long modules
    (the authorization matrix, the browser journeys) across the workers.
    """
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in args):
        return []
    workers = os.environ.get("KAOHE_TEST_WORKERS") or str(min(os.cpu_count() or 1, 4))
    if workers == "0":
        return []
    return ["-n", workers, "--dist", "worksteal"]


def main(argv):
    if not argv or argv[0] not in ("demo", "test"):
        print(__doc__)
        return 2
    if argv[0] == "demo":
        demo()
        return 0
    return test(argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

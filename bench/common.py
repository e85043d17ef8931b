"""Shared by the bench scripts: the app on a given database, timing and printing."""

import json
import os
import resource
import secrets
import sys
import time
from contextlib import contextmanager

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# KAOHE_APP_ROOT: measure another checkout of the app (e.g. the code before a fix) with
# these same scripts; the bench package itself always comes from ROOT.
APP_ROOT = os.environ.get("KAOHE_APP_ROOT", ROOT)
for _path in (ROOT, APP_ROOT):
    if _path in sys.path:
        sys.path.remove(_path)
    sys.path.insert(0, _path)

# The app refuses known or short keys (config.settle_secret_key): one random key per
# run, put in the environment so gunicorn workers and child processes share it.
os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
# The audit MAC key must be the one the data set was signed with (make_data.py): a fixed
# bench-only key unless AUDIT_KEY is given. Bench data is never production data.
os.environ.setdefault("AUDIT_KEY", "kaohe-bench-audit-key-for-generated-data-only")

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/kaohe_bench"
DEFAULT_SQLITE = f"sqlite:///{ROOT}/bench/out/kaohe_bench.sqlite"


def normalise_url(url):
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def bench_config(url):
    from config import ProductionConfig

    class BenchConfig(ProductionConfig):
        SQLALCHEMY_DATABASE_URI = normalise_url(url)
        SECRET_KEY = os.environ["SECRET_KEY"]
        AUDIT_KEY = os.environ["AUDIT_KEY"]
        SESSION_COOKIE_SECURE = False
        REMEMBER_COOKIE_SECURE = False
        SMTP_HOST = "log:"
    return BenchConfig


def make_app(url):
    from workflow_app import create_app
    return create_app(bench_config(url))


def url_from_args(argv=None, default=DEFAULT_PG):
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", default=os.environ.get("BENCH_URL", default))
    parser.add_argument("--n", type=int, default=None)
    args = parser.parse_args(argv)
    return normalise_url(args.url), args.n


@contextmanager
def timed(out, key):
    start = time.perf_counter()
    yield
    out[key] = time.perf_counter() - start


def kind_of(url):
    return "postgresql" if url.startswith("postgresql") else "sqlite"


def report(name, url, figures):
    """One JSON line per figure set (collected by run_all.sh into bench/out/).

    BENCH_RUN (set by run_all.sh) ties the lines of one run together: summary.py
    prints that run's figures side by side with their baselines.
    """
    line = {"bench": name, "db": kind_of(url), "label": os.environ.get("BENCH_LABEL", ""),
            "run": os.environ.get("BENCH_RUN", ""),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **figures}
    print(json.dumps(line, ensure_ascii=False))
    path = os.path.join(ROOT, "bench", "out", "results.jsonl")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a") as fh:
        fh.write(json.dumps(line, ensure_ascii=False) + "\n")


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ensure_user(username, role, unit_id):
    """A bench account (password "password123") holding `role` over `unit_id`; idempotent."""
    from sqlalchemy import select

    from workflow_app.extensions import db
    from workflow_app.people.models import RoleGrant, User

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        template = db.session.scalar(select(User).where(User.username == "admin"))
        user = User(username=username, password_hash=template.password_hash,
                    display_name=username, org_unit_id=unit_id)
        db.session.add(user)
        db.session.flush()
    if not any(g.role == role and g.org_unit_id == unit_id for g in user.grants):
        db.session.add(RoleGrant(user_id=user.id, role=role, org_unit_id=unit_id))
    db.session.commit()
    return user


def county_ids():
    """The second level of the org tree (counties), in id order."""
    from sqlalchemy import select

    from workflow_app.extensions import db
    from workflow_app.people.models import OrgUnit

    root = db.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None))
                             .order_by(OrgUnit.id).limit(1))
    return list(db.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == root)
                                   .order_by(OrgUnit.id)))


def login(client, username, password="password123"):
    response = client.post("/login", data={"username": username, "password": password})
    if response.status_code not in (302, 303):
        raise SystemExit(f"login as {username} failed: {response.status_code}")

"""The restore drill (issue 13, part 5): back up through the CLI, restore into a fresh
database, and the restored one is the same: the audit log verifies and every table holds
as many rows. On SQLite and on PostgreSQL. Restoring over data, a damaged file or a file
of the other kind of database is refused and changes nothing."""

import os
import sqlite3
import stat

import pytest
from sqlalchemy import MetaData, create_engine, func, make_url, select, text

from tests.conftest import Clock, _config
from tests.factories import FULL_REPORT, told
from workflow_app import create_app
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.extensions import db
from workflow_app.operations import backup as backup_module


def build_history(world, create_cycle):
    """A quarter under way: assessments, reports, a submission, audit entries, notices."""
    cycle = create_cycle()
    mine = db.session.scalars(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.cadre_id == world.a1.id)).one()
    save_report(mine, world.a1, FULL_REPORT)
    fire_event(mine, "submit", world.a1)
    db.session.commit()
    told()


def table_counts(url):
    engine = create_engine(url)
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            return {t.name: conn.scalar(select(func.count()).select_from(t))
                    for t in meta.sorted_tables}
    finally:
        engine.dispose()


def revision_of(url):
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        engine.dispose()


@pytest.fixture
def fresh_url(db_url, tmp_path):
    """An empty database of the same kind: a new file, or `<worker db>_restore`."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite'}"
        return
    url = make_url(db_url)
    name = f"{url.database}_restore"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run_on(url, *args):
    """A `flask` command against the database at `url`, as its own app."""
    other = create_app(_config(url, Clock()))
    with other.app_context():
        try:
            return other.test_cli_runner().invoke(args=list(args))
        finally:
            db.session.remove()  # its connection back to the pool before the pool closes
            db.engine.dispose()


def back_up(runner, path):
    result = runner.invoke(args=["backup", "--output", str(path)])
    assert result.exit_code == 0, result.output
    return result


def test_restore_drill_gives_the_same_database(app, runner, world, create_cycle, db_url,
                                               fresh_url, tmp_path):
    build_history(world, create_cycle)
    db.session.remove()
    before = table_counts(db_url)
    assert before["assessment"] and before["audit_entry"] and before["notification"]
    path = tmp_path / "kaohe.backup"
    result = back_up(runner, path)

    assert "备份已写入" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    restored = run_on(fresh_url, "restore", "--input", str(path))
    assert restored.exit_code == 0, restored.output
    assert "已从" in restored.output and "init-db" not in restored.output
    verified = run_on(fresh_url, "verify-audit")
    assert verified.exit_code == 0, verified.output
    assert "audit log intact" in verified.output
    assert table_counts(fresh_url) == before
    assert revision_of(fresh_url) == revision_of(db_url)


def test_restore_over_data_is_refused_and_changes_nothing(app, runner, world, create_cycle,
                                                          db_url, tmp_path):
    build_history(world, create_cycle)
    path = tmp_path / "kaohe.backup"
    back_up(runner, path)
    db.session.remove()
    before = table_counts(db_url)

    result = run_on(db_url, "restore", "--input", str(path))
    assert result.exit_code == 1
    assert "目标数据库不是空的" in result.output and "什么都没有改动" in result.output
    assert table_counts(db_url) == before
    assert run_on(db_url, "verify-audit").exit_code == 0


def test_garbage_and_truncated_files_are_refused(app, runner, world, db_url, fresh_url,
                                                 tmp_path):
    garbage = tmp_path / "garbage.backup"
    garbage.write_bytes(os.urandom(4096))
    result = run_on(fresh_url, "restore", "--input", str(garbage))
    assert result.exit_code == 1
    assert "不是 Kaohe 的备份文件" in result.output

    whole = tmp_path / "kaohe.backup"
    back_up(runner, whole)
    truncated = tmp_path / "truncated.backup"
    truncated.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    result = run_on(fresh_url, "restore", "--input", str(truncated))
    assert result.exit_code == 1
    assert "被截断" in result.output or "恢复失败，数据库保持原样" in result.output
    assert "Traceback" not in result.output
    assert table_counts(fresh_url) == {}  # still empty: a fresh start is possible


def test_a_backup_of_the_other_kind_of_database_is_refused(app, db_url, fresh_url, tmp_path):
    other = tmp_path / "other.backup"
    if db_url.startswith("sqlite"):
        other.write_bytes(b"PGDMP\x01\x0e\x00" + bytes(100))
        expected = "是 PostgreSQL 的备份，而目标数据库是 SQLite"
    else:
        conn = sqlite3.connect(other)
        conn.execute("CREATE TABLE alembic_version (version_num TEXT)")
        conn.commit()
        conn.close()
        expected = "是 SQLite 的备份，而目标数据库是 PostgreSQL"
    result = run_on(fresh_url, "restore", "--input", str(other))
    assert result.exit_code == 1
    assert expected in result.output
    assert table_counts(fresh_url) == {}


def test_a_missing_input_or_output_directory_is_said_plainly(app, runner, tmp_path):
    result = runner.invoke(args=["backup", "--output", str(tmp_path / "no" / "x.backup")])
    assert result.exit_code == 1 and "不存在" in result.output
    result = runner.invoke(args=["restore", "--input", str(tmp_path / "nothing.backup")])
    assert result.exit_code == 1 and "备份文件" in result.output and "不存在" in result.output


# --- pg_dump missing or too old: said before anything is written ---------------------------

@pytest.fixture
def pg_runner(pg_ready):
    url, _tables = pg_ready
    app = create_app(_config(url, Clock()))
    with app.app_context():
        yield app.test_cli_runner()
        db.session.remove()
        db.engine.dispose()


def test_pg_dump_older_than_the_server_is_refused(pg_runner, tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    out = tmp_path / "kaohe.backup"
    result = pg_runner.invoke(args=["backup", "--output", str(out)])
    assert result.exit_code == 1
    assert "版本是 9，比数据库服务器的" in result.output and "postgresql-client-" in result.output
    assert list(tmp_path.glob("*.backup")) == [] and list(tmp_path.glob(".*.tmp")) == []


def test_missing_pg_dump_is_said_plainly(pg_runner, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(backup_module, "VERSIONED_BIN", str(tmp_path / "*" / "{name}"))
    result = pg_runner.invoke(args=["backup", "--output", str(tmp_path / "kaohe.backup")])
    assert result.exit_code == 1
    assert "找不到 pg_dump" in result.output and "postgresql-client" in result.output


def test_the_password_goes_in_the_environment_not_argv(monkeypatch):
    seen = {}

    def fake_run(args, env, **kwargs):
        seen.update(args=args, env=env)
        return type("Done", (), {"returncode": 0, "stdout": "", "stderr": ""})()

    monkeypatch.setattr(backup_module.subprocess, "run", fake_run)
    url = "postgresql+psycopg://kaohe:s3cret'pw@db.example:6543/kaohe?sslmode=require"
    backup_module.run_pg(["pg_dump", f"--dbname={backup_module.conninfo(url)}"], url, "pg_dump")
    assert seen["env"]["PGPASSWORD"] == "s3cret'pw"
    assert not any("s3cret" in arg for arg in seen["args"])
    assert seen["args"][1] == ("--dbname=host='db.example' port='6543' user='kaohe' "
                               "dbname='kaohe' sslmode='require'")

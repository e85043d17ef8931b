"""`flask restore --input FILE`: a backup (backup.py) into an EMPTY database.

Only into an empty one: restoring over live data would mix two histories (and two audit
chains), so a database holding any table is refused before anything is touched. The file
is checked first: its kind (SQLite header or pg_dump's PGDMP) must be the target's, and a
truncated or damaged file is refused. PostgreSQL restores in one transaction
(--single-transaction --exit-on-error): a failure half-way leaves the database as empty as
it was. Objects are owned by the restoring role (--no-owner, --no-privileges), so the
backup of one server restores on another whose roles differ.

The schema comes with the data, alembic_version included: the restored database is at
the backup's revision, and `flask init-db` brings it to the code's.
"""

import sqlite3
from pathlib import Path
from urllib.parse import quote

from alembic.script.revision import RevisionError
from sqlalchemy import create_engine, text

from workflow_app.operations.backup import (
    KIND_NAMES,
    BackupError,
    conninfo,
    database_kind,
    file_kind,
    pg_tool,
    run_pg,
    sqlite_path,
)

ROOT = Path(__file__).resolve().parents[2]
NOT_EMPTY = ("拒绝恢复：目标数据库不是空的（已有 {count} 个表等对象，如 {names}），"
             "什么都没有改动。请恢复到一个新建的空数据库（PostgreSQL：createdb；SQLite：新的文件）")
PG_OBJECTS = text(
    "SELECT n.nspname || '.' || c.relname FROM pg_class c "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
    "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1")


def restore_database(url, input_path):
    """Restore `input_path` into the empty database at `url`; the line to print."""
    path = Path(input_path)
    if not path.is_file():
        raise BackupError(f"备份文件 {path} 不存在")
    kind, found = database_kind(url), file_kind(path)
    if found is None:
        raise BackupError(f"{path} 不是 Kaohe 的备份文件：既不是 SQLite 数据库，"
                          "也不是 pg_dump 的自定义格式（-Fc），什么都没有改动")
    if found != kind:
        raise BackupError(f"{path} 是 {KIND_NAMES[found]} 的备份，而目标数据库是 "
                          f"{KIND_NAMES[kind]}：不能跨数据库类型恢复，什么都没有改动")
    revisions = (_sqlite_restore if kind == "sqlite" else _pg_restore)(url, path)
    line = (f"已从 {path} 恢复到空数据库（{KIND_NAMES[kind]}），"
            f"迁移版本 {', '.join(revisions)}")
    if not is_current(revisions):
        line += ("；与当前代码的迁移不一致：备份较旧时请运行 flask --app workflow_app init-db，"
                 "较新时请先升级代码")
    return line


def is_current(revisions):
    """Whether the stored revisions hold every migration of the code. Not a comparison
    with the heads: a head that another branch depends on is not stored itself."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    script = ScriptDirectory.from_config(config)
    try:
        applied = {r.revision for r in script.iterate_revisions(tuple(revisions), "base")}
    except RevisionError:  # a revision this code does not know: newer than the code
        return False
    return set(script.get_heads()) <= applied


def _refuse_unless_empty(names):
    if names:
        raise BackupError(NOT_EMPTY.format(count=len(names), names="、".join(names[:3])))


# --- SQLite ------------------------------------------------------------------------------

def _sqlite_restore(url, path):
    target = sqlite_path(url)
    if not target.parent.is_dir():
        raise BackupError(f"目录 {target.parent} 不存在")
    src = _open_sqlite_backup(path)
    try:
        revisions = _revision(src.execute, path)
        dst = sqlite3.connect(target, timeout=30)
        try:
            names = [r[0] for r in dst.execute(
                "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")]
            _refuse_unless_empty(names)
            dst.execute("PRAGMA journal_mode=DELETE")  # the copy may change the page size
            src.backup(dst)
            dst.execute("PRAGMA journal_mode=WAL")  # as the app keeps it (sqlite_engine.py)
        finally:
            dst.close()
    finally:
        src.close()
    return revisions


def _open_sqlite_backup(path):
    """The backup, read-only, once its size and pages are found whole."""
    _check_sqlite_size(path)
    conn = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro&immutable=1", uri=True)
    try:
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BackupError(f"备份文件 {path} 已损坏（{exc}），什么都没有改动") from None
    if check != "ok":
        conn.close()
        raise BackupError(f"备份文件 {path} 未通过完整性检查（{check}），什么都没有改动")
    return conn


def _check_sqlite_size(path):
    """The header says how many pages the file has (when its counter is current)."""
    with open(path, "rb") as f:
        header = f.read(100)
    size = path.stat().st_size
    if len(header) < 100:
        raise BackupError(f"备份文件 {path} 被截断（只有 {size} 字节），什么都没有改动")
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(header[28:32], "big")
    if header[24:28] == header[92:96] and size < page_size * pages:
        raise BackupError(f"备份文件 {path} 被截断（{size} 字节，应有 {page_size * pages} "
                          "字节），什么都没有改动")


def _revision(execute, path):
    """The backup's alembic revisions, one per head (`execute` runs SQL on its connection)."""
    try:
        rows = [r[0] for r in execute("SELECT version_num FROM alembic_version")]
    except Exception:  # no such table: sqlite3 and SQLAlchemy raise different errors
        rows = []
    if not rows:
        raise BackupError(f"{path} 不是 Kaohe 数据库的备份（没有迁移版本 alembic_version），"
                          "什么都没有改动")
    return sorted(rows)


# --- PostgreSQL --------------------------------------------------------------------------

def _pg_restore(url, path):
    pg_restore = pg_tool("pg_restore")
    try:
        listing = run_pg([pg_restore, "--list", str(path)], url, "pg_restore --list")
    except BackupError as exc:
        raise BackupError(f"备份文件 {path} 无法读取（被截断或已损坏）：{exc}；"
                          "什么都没有改动") from None
    if " alembic_version " not in listing:
        raise BackupError(f"{path} 不是 Kaohe 数据库的备份（没有迁移版本 alembic_version），"
                          "什么都没有改动")
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            _refuse_unless_empty(conn.scalars(PG_OBJECTS).all())
        _run_pg_restore(pg_restore, url, path)
        with engine.connect() as conn:
            return _revision(lambda sql: conn.execute(text(sql)), path)
    finally:
        engine.dispose()


def _run_pg_restore(pg_restore, url, path):
    args = [pg_restore, "--single-transaction", "--exit-on-error", "--no-owner",
            "--no-privileges", f"--dbname={conninfo(url)}", str(path)]
    try:
        run_pg(args, url, "pg_restore")
    except BackupError as exc:
        raise BackupError("恢复失败，数据库保持原样（整个恢复在一个事务里，已回滚）："
                          f"{exc}") from None

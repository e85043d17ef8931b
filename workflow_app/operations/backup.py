"""`flask backup --output FILE`: the whole database in one file (issue 13, part 5).

SQLite: the sqlite3 online backup API, in one step, so the copy is one consistent
snapshot; in WAL mode the app's writers go on meanwhile (a reader never blocks them).
PostgreSQL: pg_dump's custom format (-Fc), restored with pg_restore (restore.py). The
connection comes from DATABASE_URL; the password goes to pg_dump in PGPASSWORD, never in
its argv (which `ps` shows to every user).

The file is written next to its final name and renamed into place (a half-written
backup never carries the name), mode 0600: it holds every account's data.
"""

import os
import re
import shutil
import sqlite3
import subprocess
from glob import glob
from pathlib import Path

from sqlalchemy.engine import make_url

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"
# Debian's client programs by major version, when none is on PATH.
VERSIONED_BIN = "/usr/lib/postgresql/*/bin/{name}"
KIND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# libpq's own parameters that may ride in the URL's query (?sslmode=require&host=/run/…).
LIBPQ_QUERY = ("host", "hostaddr", "port", "sslmode", "sslrootcert", "sslcert", "sslkey",
               "sslcrl", "connect_timeout", "application_name", "options", "target_session_attrs",
               "gssencmode", "channel_binding", "passfile", "service")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


# --- what a database and a file are ------------------------------------------------------

def database_kind(url):
    name = make_url(url).get_backend_name()
    if name not in KIND_NAMES:
        raise BackupError(f"不支持的数据库类型：{name}（只支持 SQLite 和 PostgreSQL）")
    return name


def file_kind(path):
    """'sqlite', 'postgresql' or None, from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    return None


def sqlite_path(url):
    path = make_url(url).database
    if not path or path == ":memory:" or path.startswith("file::memory:"):
        raise BackupError("内存中的 SQLite 数据库无法备份或恢复：DATABASE_URL 须指向一个文件")
    return Path(path)


# --- writing the file --------------------------------------------------------------------

def backup_database(url, output):
    """Write the backup of `url` to `output`; return the line the command prints."""
    output = Path(output)
    if output.is_dir():
        raise BackupError(f"--output 须是文件名，而 {output} 是目录")
    if not output.parent.is_dir():
        raise BackupError(f"目录 {output.parent} 不存在")
    kind = database_kind(url)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    try:
        (_sqlite_backup if kind == "sqlite" else _pg_backup)(url, tmp)
        _sync(tmp)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    _sync(output.parent)
    return f"备份已写入 {output}（{KIND_NAMES[kind]}，{output.stat().st_size} 字节）"


def _sync(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sqlite_backup(url, tmp):
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"SQLite 数据库文件 {source} 不存在")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(tmp)
    try:
        src.backup(dst)  # all pages in one step: one snapshot, writers are not blocked
        # The copy is a plain file: no -wal/-shm beside it when it is opened later.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
    finally:
        dst.close()
        src.close()
    if check != "ok":
        raise BackupError(f"备份副本未通过 SQLite 完整性检查：{check}")


def _pg_backup(url, tmp):
    pg_dump = pg_tool("pg_dump")
    check_tool_version(pg_dump, server_major(url))
    args = [pg_dump, "--format=custom", f"--file={tmp}", f"--dbname={conninfo(url)}"]
    run_pg(args, url, "pg_dump")
    if file_kind(tmp) != "postgresql":
        raise BackupError("pg_dump 没有写出自定义格式（-Fc）的文件")


# --- PostgreSQL's client programs --------------------------------------------------------

def pg_tool(name):
    """The program on PATH, else the newest of Debian's versioned ones."""
    found = shutil.which(name)
    if found:
        return found
    versioned = sorted(glob(VERSIONED_BIN.format(name=name)),
                       key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit()
                       else 0)
    if versioned:
        return versioned[-1]
    raise BackupError(f"找不到 {name}：请安装与服务器同版本（或更新）的 PostgreSQL 客户端，"
                      "例如 apt-get install postgresql-client")


def tool_major(tool):
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False)
    found = re.search(r"\)\s*(\d+)(?:\.(\d+))?", out.stdout)
    if not found:
        raise BackupError(f"无法识别 {tool} 的版本：{out.stdout.strip() or out.stderr.strip()}")
    return int(found.group(1))


def check_tool_version(tool, server):
    client = tool_major(tool)
    if client < server:
        raise BackupError(f"{tool} 的版本是 {client}，比数据库服务器的 {server} 旧，无法备份："
                          f"请安装 PostgreSQL {server} 或更新的客户端"
                          f"（postgresql-client-{server}）")


def server_major(url):
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.dialect.server_version_info[0]
    finally:
        engine.dispose()


def conninfo(url):
    """libpq's keyword=value string for `url`, without the password."""
    url = make_url(url)
    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key in LIBPQ_QUERY:
        value = url.query.get(key)
        if value is not None:
            parts[key] = value[-1] if isinstance(value, tuple) else value
    return " ".join(f"{key}={_quote(value)}" for key, value in parts.items()
                    if value not in (None, ""))


def _quote(value):
    text = str(value).replace("\\", "\\\\").replace("'", "\\'")
    return f"'{text}'"


def run_pg(args, url, name):
    """Run a client program with the password in its environment; its error, if any."""
    env = dict(os.environ)
    password = make_url(url).password
    if password:
        env["PGPASSWORD"] = password
    done = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"{name} 失败（退出码 {done.returncode}）：{done.stderr.strip()}")
    return done.stdout

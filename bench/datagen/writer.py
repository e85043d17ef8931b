"""Buffers rows per table and writes them in bulk: COPY (PostgreSQL), executemany (SQLite)."""

import json
from datetime import UTC, datetime
from decimal import Decimal

COLUMNS = {
    "org_unit": ("id", "name", "parent_id", "category", "path", "created_at"),
    "user_account": ("id", "username", "password_hash", "display_name", "email", "phone",
                     "org_unit_id", "supervisor_id", "active", "locale", "created_at"),
    "role_grant": ("id", "user_id", "role", "org_unit_id"),
    "cycle": ("id", "name", "kind", "year", "quarter", "workflow_key", "workflow_version",
              "status", "opens_at", "submit_deadline", "committee_stage", "committee_scores",
              "publicity_days", "appeal_days", "grading", "graded_at", "published_at",
              "publication_ends_at", "created_by_id", "created_at", "committee_rule",
              "stage_sla_days", "committee_categories", "closed_at"),
    "cycle_unit": ("cycle_id", "org_unit_id"),
    "assessment": ("id", "cycle_id", "cadre_id", "org_unit_id", "state", "version", "score",
                   "grade", "rank", "flags", "audit_head", "audit_head_mac", "told_version",
                   "state_since", "created_at",
                   "stage_seq", "due_at"),
    "self_report": ("id", "assessment_id", "revision", "content", "submitted_at", "updated_at",
                    "draft_version"),
    "review": ("id", "assessment_id", "stage", "reviewer_id", "decision", "score", "comment",
               "report_revision", "created_at"),
    "committee_vote": ("id", "assessment_id", "member_id", "round", "report_revision",
                       "decision", "score", "comment", "created_at"),
    "objection": ("id", "assessment_id", "kind", "raised_by_id", "reason", "status",
                  "resolution", "resolved_by_id", "result_snapshot", "created_at",
                  "resolved_at"),
    "audit_entry": ("id", "subject_type", "subject_id", "seq", "actor_id", "actor_role",
                    "on_behalf_of_id", "at", "action", "from_state", "to_state", "comment",
                    "data", "client_addr", "prev_hash", "hash"),
    "audit_chain_head": ("subject_type", "subject_id", "count", "last_mac", "head_mac"),
    "notification": ("id", "user_id", "channel", "kind", "dedup_key", "subject", "body", "link",
                     "status", "attempts", "last_error", "next_attempt_at", "created_at",
                     "sent_at", "read_at"),
}
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
JSON_COLUMNS = {"grading", "stage_sla_days", "committee_categories", "flags", "content",
                "result_snapshot", "data"}



class Writer:
    """Buffers rows per table and writes them in bulk (COPY / executemany)."""

    def __init__(self, url, batch=20000):
        self.pg = url.startswith("postgresql")
        self.batch, self.buffers, self.counts = batch, {}, {}
        if self.pg:
            import psycopg
            self.conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
            # The generator keeps every reference valid; skipping the per-row foreign-key
            # triggers during the load makes COPY several times faster (needs a superuser).
            try:
                self.conn.execute("SET session_replication_role = replica")
            except psycopg.Error:
                self.conn.rollback()
        else:
            import sqlite3
            self.conn = sqlite3.connect(url.split("sqlite:///", 1)[1])
            for pragma in ("journal_mode=OFF", "synchronous=OFF", "cache_size=-200000",
                           "temp_store=MEMORY"):
                self.conn.execute(f"PRAGMA {pragma}")

    def add(self, table, row):
        buf = self.buffers.setdefault(table, [])
        buf.append(row)
        if len(buf) >= self.batch:
            self.flush()  # every table, parents first: foreign keys hold at each step

    def flush(self, table=None):
        for name in ([table] if table else [t for t in COLUMNS if t in self.buffers]):
            rows = self.buffers.get(name) or []
            if rows:
                self._write(name, rows)
                self.counts[name] = self.counts.get(name, 0) + len(rows)
                self.buffers[name] = []

    def _write(self, table, rows):
        cols = COLUMNS[table]
        if table in AUTO_ID:  # the database numbers them: parallel workers need no plan
            cols, rows = cols[1:], [r[1:] for r in rows]
        json_at = [i for i, c in enumerate(cols) if c in JSON_COLUMNS]
        if self.pg:
            lines = "".join("\t".join(_copy_value(v, i in json_at) for i, v in enumerate(r))
                            + "\n" for r in rows)
            with self.conn.cursor() as cur, cur.copy(
                    f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                copy.write(lines.encode())
        else:
            out = [tuple(_sqlite_value(v, i in json_at) for i, v in enumerate(r)) for r in rows]
            marks = ", ".join("?" for _ in cols)
            self.conn.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
                                  out)

    def commit(self):
        self.flush()
        self.conn.commit()

    def finish(self):
        self.commit()
        if self.pg:
            with self.conn.cursor() as cur:
                for table in COLUMNS:
                    if "id" in COLUMNS[table]:
                        cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"COALESCE((SELECT max(id) FROM {table}), 1))")
                self.conn.commit()
                self.conn.autocommit = True
                cur.execute("VACUUM ANALYZE")
        else:
            self.conn.execute("ANALYZE")
            self.conn.commit()
        self.conn.close()


AUTO_ID = {"self_report", "review", "committee_vote", "objection", "audit_entry",
           "notification"}


def _copy_value(value, is_json):
    """One field in COPY text format."""
    if value is None:
        return "\\N"
    if is_json:
        value = _json(value)
    elif isinstance(value, datetime):
        return value.isoformat()
    elif isinstance(value, bool):
        return "t" if value else "f"
    elif not isinstance(value, str):
        return str(value)
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                 .replace("\r", "\\r"))
    return value


def _sqlite_value(value, is_json):
    if is_json:
        return json.dumps(value)
    if isinstance(value, datetime):
        # What SQLAlchemy's SQLite DATETIME writes (naive UTC text).
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    return value

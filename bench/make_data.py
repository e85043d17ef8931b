"""Build the city-scale data set: 50,000 cadres, five years of history.

    python bench/make_data.py --url postgresql://postgres@127.0.0.1/kaohe_bench
    python bench/make_data.py --url sqlite:///bench/out/kaohe_bench.sqlite --cadres 5000

The schema comes from the migrations (`upgrade(revision="heads")`, as `flask init-db`);
the database should be empty. Rows are written in bulk: COPY on PostgreSQL,
executemany on SQLite. One Argon2 hash is computed and shared by every account
(password "password123"); audit chains are MAC'd with the application's own
`entry_hash` and key, and every chain gets its head row, so `flask verify-audit` holds
on the result.

Shape (for --cadres N, N/20 leaf units of 20 cadres):
- a city → counties (10) → towns / departments → communities / sections (leaf units),
  leaf categories 经济发展类 / 执法服务类 / 社区;
- per leaf unit: 2 supervisors (10 cadres each), 3 committee members (两委);
  per town: a party secretary; per county and the city: an org_admin; one auditor;
- 20 quarterly cycles (the newest open, in mixed states) + 5 annual cycles, every
  cadre in each; history is final (with send-backs, committee votes and a few
  disputes), each step with its review row and audit entry (~9 per assessment).
"""

import argparse
import hashlib
import hmac
import json
import multiprocessing
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import make_app, normalise_url  # noqa: E402

PASSWORD = "password123"
GENESIS = "0" * 64
CATEGORIES = ("经济发展类", "执法服务类", "社区")
QUARTER_CN = "一二三四"
CONTENT = {"key_work": "完成年度重点任务，推进项目落地。", "indicator_progress": "按计划推进",
           "most_satisfied": "群众服务窗口改造", "least_satisfied": "档案整理进度偏慢",
           "self_evaluation": "较好", "scores": {"de": 90, "neng": 88, "qin": 92, "ji": 87,
                                                "lian": 95}, "indicators": []}
# Current (open) cycle: share of assessments per state.
OPEN_MIX = (("drafting", 0.30), ("supervisor_review", 0.25), ("committee_review", 0.15),
            ("secretary_approval", 0.20), ("approved", 0.10))

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
                   "grade", "rank", "flags", "audit_head", "state_since", "created_at",
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
_dumps = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode
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


class Ids:
    def __init__(self):
        self.next = {}

    def __call__(self, table):
        self.next[table] = self.next.get(table, 0) + 1
        return self.next[table]


class Builder:
    def __init__(self, writer, cadres, years, now, seed=6):
        self.w, self.n_cadres, self.years, self.now = writer, cadres, years, now
        self.rng = random.Random(seed)
        self.ids = Ids()
        from workflow_app.audit.services import audit_key, entry_hash, head_mac
        from workflow_app.people.passwords import hash_password
        self.entry_hash, self.head_mac, self.key = entry_hash, head_mac, audit_key()
        self.checks = 1000
        self.password_hash = hash_password(PASSWORD)
        self.units, self.towns, self.counties = [], [], []
        self.cadres = []          # (user id, leaf unit id, supervisor id)
        self.leaf_staff = {}      # leaf unit id -> {"committee": [...], "secretary": id}
        self.admin_of = {}        # county unit id -> org_admin user id

    # --- people --------------------------------------------------------------
    def org_and_people(self):
        t0 = self.now - timedelta(days=365 * (self.years + 1))
        leaves = max(1, self.n_cadres // 20)
        counties = 10 if leaves >= 100 else max(1, leaves // 10)
        towns_per_county = max(1, round(leaves / counties / 10))
        city = self._unit("城区市", None, "", t0)
        self._grant(self._user("admin", "市委组织部管理员", city, None, t0), "org_admin", city)
        self._grant(self._user("auditor", "市纪委审计员", city, None, t0), "auditor", city)
        made = 0
        for c in range(counties):
            county = self._unit(f"第{c + 1}县", city, "", t0)
            self.counties.append(county)
            admin = self._user(f"orgadmin_{c + 1}", f"县委组织部{c + 1}", county, None, t0)
            self._grant(admin, "org_admin", county)
            self.admin_of[county["id"]] = admin
            for t in range(towns_per_county):
                town = self._unit(f"第{c + 1}县第{t + 1}镇街", county, "", t0)
                self.towns.append(town)
                sec = self._user(f"sec_{town['id']}", f"镇街书记{town['id']}", town, None, t0)
                self._grant(sec, "secretary", town)
                for k in range(10):
                    if made >= leaves:
                        break
                    category = CATEGORIES[(made + k) % 3]
                    kind = "社区" if category == "社区" else "科室"
                    leaf = self._unit(f"{town['name']}第{k + 1}{kind}", town, category, t0)
                    self._leaf_people(leaf, sec, t0)
                    made += 1
        # Leftover leaves (rounding): attach to the last town.
        while made < leaves:
            leaf = self._unit(f"补充单位{made}", self.towns[-1], CATEGORIES[made % 3], t0)
            self._leaf_people(leaf, self.towns and sec, t0)
            made += 1
        self.w.commit()

    def _leaf_people(self, leaf, secretary, t0):
        lid = leaf["id"]
        sups = []
        for s in range(2):
            sup = self._user(f"sup_{lid}_{s}", f"包联领导{lid}-{s}", leaf, None, t0)
            self._grant(sup, "supervisor", leaf)
            sups.append(sup)
        members = []
        for m in range(3):
            mem = self._user(f"com_{lid}_{m}", f"两委委员{lid}-{m}", leaf, None, t0)
            self._grant(mem, "committee", leaf)
            members.append(mem)
        self.leaf_staff[lid] = {"committee": members, "secretary": secretary,
                                "county": self._county_of(leaf)}
        for i in range(20):
            sup = sups[i // 10]
            uid = self._user(f"cadre_{lid}_{i}", f"干部{lid}-{i}", leaf, sup, t0,
                             email=i % 2 == 0)
            self._grant(uid, "cadre", leaf)
            self.cadres.append((uid, lid, sup))

    def _county_of(self, leaf):
        parts = [int(p) for p in leaf["path"].strip("/").split("/")]
        return parts[1] if len(parts) > 1 else parts[0]

    def _unit(self, name, parent, category, at):
        uid = self.ids("org_unit")
        path = (parent["path"] if parent else "/") + f"{uid}/"
        unit = {"id": uid, "name": name, "path": path}
        self.w.add("org_unit", (uid, name, parent["id"] if parent else None, category, path, at))
        self.units.append(unit)
        return unit

    def _user(self, username, name, unit, supervisor, at, email=True):
        uid = self.ids("user_account")
        self.w.add("user_account", (
            uid, username, self.password_hash, name,
            f"{username}@example.gov.cn" if email else "", f"138{uid:08d}"[:11],
            unit["id"], supervisor, True, "", at))
        return uid

    def _grant(self, user_id, role, unit):
        self.w.add("role_grant", (self.ids("role_grant"), user_id, role, unit["id"]))

    # --- cycles --------------------------------------------------------------
    def cycles(self):
        """[(kind, year, quarter, opens_at, open?)], oldest first, the last one open."""
        year, quarter = self.now.year, (self.now.month - 1) // 3 + 1
        quarters = []
        for _ in range(self.years * 4):
            quarters.append((year, quarter))
            year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
        out = []
        for y, q in reversed(quarters):
            opens = datetime(y, q * 3 - 2, 1, 1, 0, tzinfo=UTC) + timedelta(days=45)
            out.append(("quarterly", y, q, opens))
        for y in range(self.now.year - self.years, self.now.year):
            out.append(("annual", y, None, datetime(y + 1, 1, 6, 1, 0, tzinfo=UTC)))
        out.sort(key=lambda c: c[3])
        current = [c for c in out if c[0] == "quarterly"][-1]
        return [(*c, c is current) for c in out]

    def all_cycles(self, url, workers):
        """Every cycle; on PostgreSQL `workers` processes build different cycles at once."""
        specs = list(enumerate(self.cycles()))
        global _BUILDER
        _BUILDER, self.url = self, url
        if workers > 1:
            ctx = multiprocessing.get_context("fork")
            with ctx.Pool(workers) as pool:
                counts = pool.map(_build_cycle, specs, chunksize=1)
        else:
            counts = [_build_cycle(spec) for spec in specs]
        total = {}
        for c in counts:
            for k, v in c.items():
                total[k] = total.get(k, 0) + v
        return total

    def cycle(self, index, kind, year, quarter, opens, is_open):
        cid = index + 1
        deadline = opens + timedelta(days=20)
        name = (f"{year}年第{QUARTER_CN[quarter - 1]}季度平时考核" if kind == "quarterly"
                else f"{year}年度考核")
        published = None if is_open else deadline + timedelta(days=20)
        ends = None if is_open else published + timedelta(days=7)
        self.w.add("cycle", (
            cid, name, kind, year, quarter, kind, 1, "open" if is_open else "archived",
            opens, deadline, True, True, 5, 15, {}, published, published, ends,
            1, opens - timedelta(days=10), "majority", {}, [],
            None if is_open else deadline))
        self.w.add("cycle_unit", (cid, self.units[0]["id"]))
        admin = 1
        self._chain("cycle", cid, [
            {"actor_id": admin, "actor_role": "org_admin", "action": "open", "at": opens,
                 "data": {"assessments": len(self.cadres)}}]
            + ([] if is_open else [
                {"actor_id": admin, "action": "close", "at": deadline,
                 "data": {"not_submitted": 0}},
                {"actor_id": admin, "action": "grade", "at": published - timedelta(hours=2)},
                {"actor_id": admin, "action": "publish", "at": published},
                {"actor_id": admin, "action": "archive", "at": ends + timedelta(days=20)}]))
        cyc = {"id": cid, "opens": opens, "deadline": deadline, "published": published,
               "ends": ends, "open": is_open, "name": name, "kind": kind}
        first = index * len(self.cadres) + 1  # fixed ids: workers need not coordinate
        for k, (cadre, leaf, sup) in enumerate(self.cadres):
            if is_open:
                self._open_assessment(cyc, first + k, cadre, leaf, sup)
            else:
                self._final_assessment(cyc, first + k, cadre, leaf, sup)

    # --- one assessment ------------------------------------------------------
    def _open_assessment(self, cyc, aid, cadre, leaf, sup):
        r = self.rng.random()
        target = OPEN_MIX[-1][0]
        for state, share in OPEN_MIX:
            if r < share:
                target = state
                break
            r -= share
        staff = self.leaf_staff[leaf]
        steps = ["open"]
        path = ["drafting", "supervisor_review", "committee_review", "secretary_approval",
                "approved"]
        steps += path[1:path.index(target) + 1]
        self._assessment(cyc, aid, cadre, leaf, sup, staff, steps, final=False)
        if target == "drafting":
            self._notify(cadre, "cycle_opened", f"c{cyc['id']}:opened", cyc["opens"],
                         "pending", "/my")

    def _final_assessment(self, cyc, aid, cadre, leaf, sup):
        staff = self.leaf_staff[leaf]
        steps = ["open", "supervisor_review"]
        if self.rng.random() < 0.4:
            steps += ["send_back", "supervisor_review"]
        steps += ["committee_review", "secretary_approval", "approved", "published"]
        if self.rng.random() < 0.02:
            steps += ["disputed", "dismissed"]
        steps += ["final"]
        return self._assessment(cyc, aid, cadre, leaf, sup, staff, steps, final=True)

    def _assessment(self, cyc, aid, cadre, leaf, sup, staff, steps, final):
        rng = self.rng
        at = cyc["opens"]
        end = cyc["published"] - timedelta(hours=3) if final else self.now - timedelta(hours=1)
        span = (end - at) / (len(steps) + 1)
        entries, state, revision = [], "drafting", 1
        score = Decimal(rng.randint(6000, 9900)) / 100
        report_id = self.ids("self_report")
        submitted_at = None
        members = staff["committee"]
        stage_seq = 1
        for step in steps:
            at = at + span * (0.5 + rng.random())
            if step == "open":
                entries.append({"actor_id": None, "actor_role": "system", "action": "open",
                                    "to_state": "drafting", "at": cyc["opens"]})
                at = cyc["opens"]
                continue
            if step == "supervisor_review" and state == "drafting":
                entries.append(self._move(cadre, "cadre", "submit", state, step, at))
                submitted_at = at
            elif step == "send_back":
                self._review(aid, state, sup, "send_back", None, revision, at, "请补充材料")
                entries.append(self._move(sup, "supervisor", "send_back", state, "drafting", at,
                                          comment="请补充材料"))
                self.w.add("self_report", (report_id, aid, revision, CONTENT, submitted_at, at,
                                           2))
                revision += 1
                report_id = self.ids("self_report")
                step = "drafting"
            elif step == "committee_review":
                self._review(aid, state, sup, "approve", score, revision, at, "同意")
                entries.append(self._move(sup, "supervisor", "approve", state, step, at,
                                          data={"score": str(score)}))
            elif step == "secretary_approval":
                # Majority of three: the first vote is recorded, the second closes the stage.
                vote_at = at - span / 3
                entries.append(self._move(members[0], "committee", "committee_vote", state,
                                          state, vote_at, data={"score": str(score)}))
                if not final:
                    self._vote(aid, members[0], len(entries) - 0, revision, score, vote_at,
                               stage_seq)
                    self._vote(aid, members[1], len(entries) - 0, revision, score, at,
                               stage_seq)
                self._review(aid, state, members[1], "approve", score, revision, at, "")
                entries.append(self._move(members[1], "committee", "approve", state, step, at,
                                          data={"score": str(score), "member_score":
                                                str(score)}))
            elif step == "approved":
                self._review(aid, state, staff["secretary"], "approve", None, revision, at, "")
                entries.append(self._move(staff["secretary"], "secretary", "approve", state,
                                          step, at))
            elif step == "published":
                at = cyc["published"]
                entries.append(self._move(1, "org_admin", "publish", state, step, at))
            elif step == "disputed":
                at = cyc["published"] + timedelta(days=2)
                entries.append(self._move(cadre, "cadre", "dispute", state, step, at,
                                          data={"reason": "对等次有异议"}))
                self.w.add("objection", (self.ids("objection"), aid, "dispute", cadre,
                                         "对等次有异议", "dismissed", "经复核维持原等次", 1,
                                         {"score": str(score)}, at, at + timedelta(days=1)))
            elif step == "dismissed":
                at = cyc["published"] + timedelta(days=3)
                entries.append(self._move(1, "org_admin", "dismiss", state, "published", at,
                                          data={"reason": "经复核维持原等次"}))
                step = "published"
            elif step == "final":
                at = cyc["ends"]
                entries.append(self._move(None, "system", "finalize", state, step, at))
            if step != state:
                stage_seq = len(entries) + 0
            state = step
        self.w.add("self_report", (report_id, aid, revision,
                                   CONTENT if state != "drafting" or rng.random() < 0.5 else {},
                                   submitted_at if state != "drafting" else None,
                                   submitted_at or cyc["opens"], 1))
        head, version = self._chain("assessment", aid, entries)
        grade = None
        if final:
            grade = ("好" if score >= 90 else "较好" if score >= 75 else "一般" if score >= 60
                     else "较差") if cyc["kind"] == "quarterly" else (
                "优秀" if score >= 90 else "称职" if score >= 70 else "基本称职")
        due = None
        if state == "drafting":
            due = cyc["deadline"]
        elif state in ("supervisor_review", "committee_review", "secretary_approval"):
            due = at + timedelta(days=3 + rng.randint(0, 4))
        self.w.add("assessment", (
            aid, cyc["id"], cadre, leaf, state, version, score if final else None, grade,
            None, [], head, at if state != "drafting" else cyc["opens"], cyc["opens"],
            stage_seq, due))
        if not final and state in ("supervisor_review", "committee_review",
                                   "secretary_approval"):
            who = {"supervisor_review": [sup], "committee_review": staff["committee"],
                   "secretary_approval": [staff["secretary"]]}[state]
            for uid in who:
                self._notify(uid, "review_waiting", f"a{aid}:v{version}:review_waiting", at,
                             "sent", f"/assessments/{aid}")
        return score

    def _move(self, actor, role, action, source, dest, at, comment="", data=None):
        return {"actor_id": actor, "actor_role": role, "action": action, "from_state": source,
                    "to_state": dest, "at": at, "comment": comment, "data": data or {}}

    def _review(self, aid, stage, reviewer, decision, score, revision, at, comment):
        self.w.add("review", (self.ids("review"), aid, stage, reviewer, decision, score,
                              comment, revision, at))

    def _vote(self, aid, member, _n, revision, score, at, round_):
        self.w.add("committee_vote", (self.ids("committee_vote"), aid, member, round_,
                                      revision, "approve", score, "", at))

    def _notify(self, user, kind, key, at, status, link):
        dedup = f"{key}:{user}:in_app"
        self.w.add("notification", (
            self.ids("notification"), user, "in_app", kind, dedup, "考核提醒", "请及时处理。",
            link, status, 1 if status == "sent" else 0, "", at, at,
            at if status == "sent" else None, None))

    def _hash(self, fields, at, prev):
        """`audit.services.entry_hash` (HMAC), inlined for speed; checked against it at start."""
        body = dict(fields)
        body["at"] = (f"{at.year:04d}-{at.month:02d}-{at.day:02d}T{at.hour:02d}:"
                      f"{at.minute:02d}:{at.second:02d}.{at.microsecond:06d}")
        body["prev_hash"] = prev
        text = _dumps(body)
        digest = hmac.new(self.key, text.encode(), hashlib.sha256).hexdigest()
        if self.checks:
            self.checks -= 1
            assert digest == self.entry_hash(fields, at, prev, self.key), "MAC differs"
        return digest

    def _chain(self, subject_type, subject_id, entries):
        prev = GENESIS
        for seq, e in enumerate(entries, start=1):
            fields = {"subject_type": subject_type, "subject_id": subject_id, "seq": seq,
                      "actor_id": e.get("actor_id"), "actor_role": e.get("actor_role", ""),
                      "on_behalf_of_id": None, "action": e["action"],
                      "from_state": e.get("from_state", ""), "to_state": e.get("to_state", ""),
                      "comment": e.get("comment", ""), "data": e.get("data") or {},
                      "client_addr": "10.0.0.8" if e.get("actor_id") else ""}
            digest = self._hash(fields, e["at"], prev)
            self.w.add("audit_entry", (
                None, subject_type, subject_id, seq, fields["actor_id"],
                fields["actor_role"], None, e["at"], fields["action"], fields["from_state"],
                fields["to_state"], fields["comment"], fields["data"], fields["client_addr"],
                prev, digest))
            prev = digest
        self.w.add("audit_chain_head", (subject_type, subject_id, len(entries), prev,
                                        self.head_mac(subject_type, subject_id, len(entries),
                                                      prev, self.key)))
        return prev, len(entries)


_BUILDER = None


def _build_cycle(spec):
    """Build one cycle with its own connection (in a worker process or in-line)."""
    index, (kind, year, quarter, opens, is_open) = spec
    b = _BUILDER
    if is_open:
        opens = b.now - timedelta(days=5)
    started = time.monotonic()
    b.w = Writer(b.url)
    b.rng = random.Random(index * 7919 + 6)
    b.cycle(index, kind, year, quarter, opens, is_open)
    b.w.commit()
    b.w.conn.close()
    print(f"  cycle {kind} {year} Q{quarter or '-'}: {time.monotonic() - started:.1f}s",
          flush=True)
    return b.w.counts


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--cadres", type=int, default=50000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2,
                        help="processes building cycles at once (PostgreSQL only)")
    args = parser.parse_args(argv)
    url = normalise_url(args.url)
    started = time.monotonic()
    app = make_app(url)
    from flask_migrate import upgrade
    with app.app_context():
        upgrade(revision="heads")
        from workflow_app.extensions import db
        db.engine.dispose()
    print(f"schema ready ({time.monotonic() - started:.1f}s)", flush=True)
    writer = Writer(url)
    with app.app_context():
        builder = Builder(writer, args.cadres, args.years,
                          datetime.now(UTC).replace(microsecond=0))
        builder.org_and_people()
        print(f"org tree and people: {len(builder.units)} units, "
              f"{writer.counts.get('user_account', 0)} users", flush=True)
        writer.commit()
        counts = builder.all_cycles(url, args.workers if writer.pg else 1)
    for k, v in counts.items():
        writer.counts[k] = writer.counts.get(k, 0) + v
    writer.finish()
    elapsed = time.monotonic() - started
    print(json.dumps({"seconds": round(elapsed, 1), "rows": writer.counts}, ensure_ascii=False))


if __name__ == "__main__":
    main()

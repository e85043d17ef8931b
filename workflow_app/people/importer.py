"""`flask import-people FILE`: org units and people from a CSV or XLSX sheet.

Every row is checked before anything is written; one bad row fails the whole
file with a report in Chinese naming each problem by its row (the header is row
1, as in Excel), and nothing changes. Headers may be Chinese or English.

A preview (preview_file) says what would happen — new units, new people, errors —
before anything is written: a typo in a unit path shows up there as a NEW unit.
import_file creates a missing unit only when told to (allow_new_units), and only
the units the preview listed.
"""

import csv
import dataclasses
import io
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from workflow_app.extensions import db
from workflow_app.people import roles as role
from workflow_app.people.import_preview import Preview
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.services import (
    MIN_PASSWORD,
    WORK_APP_ID,
    WORK_APP_ID_FIELDS,
    create_org_unit,
    create_user,
)

COLUMNS = {
    "username": ("username", "login", "用户名", "账号", "登录名"),
    "display_name": ("display_name", "name", "姓名"),
    "org_unit": ("org_unit", "unit", "单位", "所在单位"),
    "category": ("category", "类别", "单位类别"),
    "roles": ("roles", "role", "角色"),
    "supervisor": ("supervisor", "上级", "上级领导", "上级用户名"),
    "email": ("email", "邮箱", "电子邮箱"),
    "phone": ("phone", "mobile", "手机", "手机号", "电话"),
    "password": ("password", "初始密码", "密码"),
    # Where work notices reach the person (optional; an empty cell: none).
    "dingtalk_user_id": ("dingtalk_user_id", "dingtalk_userid", "dingtalk id", "钉钉用户ID",
                         "钉钉ID", "钉钉userid", "浙政钉用户ID"),
    "wecom_user_id": ("wecom_user_id", "wecom_userid", "wecom id", "企业微信用户ID",
                      "企业微信ID", "企业微信userid", "政务微信用户ID"),
}
LABELS = {"username": "用户名", "display_name": "姓名", "org_unit": "单位", "roles": "角色",
          "supervisor": "上级", "email": "邮箱", "phone": "手机", "password": "初始密码",
          "dingtalk_user_id": "钉钉用户ID", "wecom_user_id": "企业微信用户ID"}
REQUIRED = ("username", "display_name", "org_unit")
ROLE_NAMES = {
    "干部": role.CADRE, "上级领导": role.SUPERVISOR, "上级": role.SUPERVISOR,
    "两委成员": role.COMMITTEE, "两委": role.COMMITTEE, "考核组": role.COMMITTEE,
    "书记": role.SECRETARY, "组织部": role.ORG_ADMIN, "纪委审计": role.AUDITOR,
    "纪委": role.AUDITOR, "审计": role.AUDITOR, "评价人": role.RATER,
    **{code: code for code in role.ROLES},
}
ROLE_SPLIT = re.compile(r"[,，、;；/\s]+")
PATH_SPLIT = re.compile(r"\s*[/／]\s*")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE = re.compile(r"^\+?\d{5,20}$")


class ImportFailed(Exception):
    """The file was not imported; `report` lists every problem, one line each."""

    def __init__(self, report):
        self.report = list(report)
        super().__init__("\n".join(self.report))


@dataclass
class Row:
    line: int
    username: str
    display_name: str
    unit_path: tuple
    category: str
    roles: list
    supervisor: str
    email: str
    phone: str
    password: str
    generated: bool
    work_app_ids: dict = dataclasses.field(default_factory=dict)


PROGRESS_EVERY = 200
NEW_UNITS_REFUSED = ("以下单位在组织树中不存在，本次导入会新建它们；请核对是否有错别字。"
                     "确需新建时请确认“允许新建单位”（命令行加 --create-units）：")
PREVIEW_CHANGED = "文件内容与预览时不一致（要新建的单位不同）：请重新上传并预览"


def preview_file(path, progress=None):
    """Read and check the whole file; nothing is written. Unreadable files raise."""
    header, records = read_table(Path(path))
    fields, ignored = map_header(header)
    rows, errors = check_rows(fields, records, progress)
    return Preview(rows, _new_units(rows), errors, ignored)


def import_file(path, progress=None, allow_new_units=False, expected_new_units=None):
    """Validate every row, then create units and people. Never commits.

    A unit missing from the tree is created only with `allow_new_units`; with
    `expected_new_units` (the paths a confirmed preview listed) the file must need
    exactly those. `progress(stage, done, total)`, if given, hears about "checking" and
    "writing" every PROGRESS_EVERY rows (an upload page or the CLI shows it).
    """
    report = progress or (lambda stage, done, total: None)
    plan = preview_file(path, report)
    if plan.errors:
        raise ImportFailed(plan.errors)
    wanted = ["/".join(p) for p in plan.new_units]
    if expected_new_units is not None and sorted(wanted) != sorted(expected_new_units):
        raise ImportFailed([PREVIEW_CHANGED])
    if wanted and not allow_new_units:
        raise ImportFailed([NEW_UNITS_REFUSED, *(f"  {w}" for w in wanted)])
    units_created = create_units(plan.rows, allowed=set(plan.new_units))
    create_people(plan.rows, report)
    db.session.flush()
    report("done", len(plan.rows), len(plan.rows))
    return summary(plan.rows, units_created, plan.ignored)


def _new_units(rows):
    """{path: (category, [row numbers])} of every unit a row needs that does not exist."""
    known, new = _existing_paths(), {}
    for row in rows:
        for depth in range(1, len(row.unit_path) + 1):
            path = row.unit_path[:depth]
            if path not in known:
                category = row.category if depth == len(row.unit_path) else ""
                entry = new.setdefault(path, (category, []))
                if category and not entry[0]:
                    new[path] = entry = (category, entry[1])
                entry[1].append(row.line)
    return new


# --- reading ---------------------------------------------------------------

def read_table(path):
    """(header, [(row number, cells)]) from CSV or XLSX; blank rows are dropped."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        table = _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        table = _read_csv(path)
    else:
        kind = suffix or "(无扩展名)"
        raise ImportFailed([f"不支持的文件类型 {kind}：请使用 CSV（UTF-8）或 XLSX"])
    table = [(n, [_cell(v) for v in cells]) for n, cells in enumerate(table, start=1)]
    if not table:
        raise ImportFailed(["文件是空的：第 1 行应为表头"])
    header, records = table[0][1], [(n, c) for n, c in table[1:] if any(c)]
    if not records:
        raise ImportFailed(["文件中没有数据行"])
    return header, records


def _read_csv(path):
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        text = _decode_gbk(raw)
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportFailed([f"CSV 格式错误：{exc}"]) from None


def _decode_gbk(raw):
    """Excel's plain "CSV" on a Chinese Windows is GBK, which GB18030 reads too."""
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise ImportFailed(["无法识别文件编码：请在 Excel 中另存为“CSV UTF-8”或 XLSX"]) from None


def _read_xlsx(path):
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ImportFailed([f"无法读取 XLSX 文件：{exc}"]) from None
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()  # read-only workbooks keep the file open until closed


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone number typed into Excel comes back as 13900000000.0
    return str(value).strip()


def map_header(header):
    """{field: column index} and the names of ignored columns; missing ones fail."""
    aliases = {a.lower(): f for f, names in COLUMNS.items() for a in names}
    fields, ignored, problems = {}, [], []
    for index, name in enumerate(header):
        field = aliases.get(name.strip().lower())
        if field is None:
            if name:
                ignored.append(name)
        elif field in fields:
            problems.append(f"表头: 列“{name}”重复")
        else:
            fields[field] = index
    problems += [f"表头: 缺少列“{LABELS[f]}”" for f in REQUIRED if f not in fields]
    if problems:
        raise ImportFailed(problems)
    return fields, ignored


# --- validation --------------------------------------------------------------

def validate(fields, records, report=None):
    rows, errors = check_rows(fields, records, report)
    if errors:
        raise ImportFailed(errors)
    return rows


def check_rows(fields, records, report=None):
    """(rows, problems as report lines by row number): every row is checked."""
    errors, rows = [], []
    for n, (line, cells) in enumerate(records, start=1):
        values = {f: cells[i] if i < len(cells) else "" for f, i in fields.items()}
        rows.append(_check_row(line, values, errors))
        if report and n % PROGRESS_EVERY == 0:
            report("checking", n, len(records))
    _check_usernames(rows, errors)
    _check_supervisors(rows, errors)
    _check_units(rows, errors)
    ordered = sorted(errors, key=lambda e: e[0])  # by row; a row's problems in order
    return rows, [f"第 {line} 行: {text}" for line, text in ordered]


def _check_row(line, v, errors):
    def bad(field, text):
        errors.append((line, f"{LABELS[field]} {text}"))

    for field in REQUIRED:
        if not v.get(field):
            bad(field, "不能为空")
    if len(v["username"]) > 80 or any(c.isspace() for c in v["username"]):
        bad("username", "不能含空格，且不超过 80 个字符")
    if len(v["display_name"]) > 120:
        bad("display_name", "不超过 120 个字符")
    roles = _roles(v.get("roles", ""), lambda text: bad("roles", text))
    email, phone = v.get("email", ""), re.sub(r"[\s-]", "", v.get("phone", ""))
    if email and not EMAIL.match(email):
        bad("email", f"格式不正确: {email}")
    if phone and not PHONE.match(phone):
        bad("phone", f"格式不正确: {v.get('phone')}")
    password = v.get("password", "")
    if password and len(password) < MIN_PASSWORD:
        bad("password", f"至少 {MIN_PASSWORD} 位")
    path = tuple(p for p in PATH_SPLIT.split(v["org_unit"]) if p)
    if any(len(p) > 120 for p in path):
        bad("org_unit", "单位名称不超过 120 个字符")
    return Row(line, v["username"], v["display_name"], path, v.get("category", "")[:60],
               roles, v.get("supervisor", ""), email, phone,
               password or secrets.token_urlsafe(9), not password, _work_app_ids(v, bad))


def _work_app_ids(v, bad):
    """The DingTalk/WeCom user ids of a row (only the non-empty ones)."""
    ids = {f: v[f] for f in WORK_APP_ID_FIELDS if v.get(f)}
    for name, value in ids.items():
        if not WORK_APP_ID.match(value):
            bad(name, f"格式不正确（只能是字母、数字和 _-@.，不超过 64 个字符）: {value}")
    return ids


def _roles(text, bad):
    """Role codes from codes or Chinese names; an empty cell means a cadre (干部)."""
    names = [n for n in ROLE_SPLIT.split(text) if n]
    unknown = [n for n in names if n not in ROLE_NAMES and n.lower() not in ROLE_NAMES]
    if unknown:
        bad(f"无法识别: {'、'.join(unknown)}")
    codes = [ROLE_NAMES.get(n) or ROLE_NAMES.get(n.lower()) for n in names]
    return list(dict.fromkeys(c for c in codes if c)) or [role.CADRE]


def _check_usernames(rows, errors):
    taken = _existing_usernames([r.username for r in rows if r.username])
    first = {}
    for row in rows:
        if not row.username:
            continue
        if row.username in taken:
            errors.append((row.line, "用户名 已存在"))
        elif row.username in first:
            errors.append((row.line, f"用户名 与第 {first[row.username]} 行重复"))
        first.setdefault(row.username, row.line)


def _existing_usernames(names):
    found = set()
    for start in range(0, len(names), 500):
        chunk = names[start:start + 500]
        found.update(db.session.scalars(select(User.username).where(User.username.in_(chunk))))
    return found


def _check_supervisors(rows, errors):
    in_file = {r.username for r in rows}
    wanted = [r.supervisor for r in rows if r.supervisor and r.supervisor not in in_file]
    known = in_file | _existing_usernames(wanted)
    for row in rows:
        if row.supervisor and row.supervisor == row.username:
            errors.append((row.line, "上级 不能是本人"))
        elif row.supervisor and row.supervisor not in known:
            errors.append((row.line, f"上级 不存在: {row.supervisor}"))


def _check_units(rows, errors):
    """A path starts at a top-level unit; a new top-level unit only in an empty tree."""
    roots = {u.name for u in db.session.scalars(select(OrgUnit).where(
        OrgUnit.parent_id.is_(None)))}
    for row in rows:
        if row.unit_path and roots and row.unit_path[0] not in roots:
            errors.append((row.line, f"单位 “{'/'.join(row.unit_path)}” 应以顶级单位开头"
                                     f"（现有: {'、'.join(sorted(roots))}）"))


# --- writing -----------------------------------------------------------------

def create_units(rows, allowed):
    """Create the missing units of every path, each one listed in `allowed` (the preview);
    returns how many were created."""
    known = _existing_paths()
    created = 0
    for row in rows:
        for depth in range(1, len(row.unit_path) + 1):
            path = row.unit_path[:depth]
            if path in known:
                continue
            if path not in allowed:  # never a unit the admin was not shown
                raise ImportFailed([PREVIEW_CHANGED])
            category = row.category if depth == len(row.unit_path) else ""
            known[path] = create_org_unit(path[-1], known.get(path[:-1]), category)
            created += 1
    return created


def _existing_paths():
    """{(name, name, …): unit} for the whole tree; the oldest wins a duplicate name."""
    units = db.session.scalars(select(OrgUnit).order_by(OrgUnit.id)).all()
    by_id = {u.id: u for u in units}
    paths = {}
    for unit in units:
        ids = [int(i) for i in unit.path.strip("/").split("/") if i]
        key = tuple(by_id[i].name for i in ids if i in by_id)
        paths.setdefault(key, unit)
    return paths


def create_people(rows, report=None):
    units = _existing_paths()
    existing = {u.username: u for u in db.session.scalars(select(User).where(
        User.username.in_({r.supervisor for r in rows if r.supervisor})))}
    created = {}
    for n, row in enumerate(rows, start=1):
        if report and n % PROGRESS_EVERY == 0:
            report("writing", n, len(rows))
        created[row.username] = create_user(
            None, username=row.username, password=row.password,
            display_name=row.display_name, org_unit=units[row.unit_path], roles=row.roles,
            email=row.email, phone=row.phone, supervisor=existing.get(row.supervisor),
            **(row.work_app_ids or {}))
        # Whoever handed out the file knows the password: the person picks their own.
        created[row.username].must_change_password = True
    # Second pass: a supervisor may be a row further down the file.
    for row in rows:
        if row.supervisor in created:
            created[row.username].supervisor = created[row.supervisor]
    return created


def summary(rows, units_created, ignored):
    lines = [f"导入完成：新增 {len(rows)} 人，新建 {units_created} 个单位。"]
    if ignored:
        lines.append(f"已忽略的列：{'、'.join(ignored)}")
    generated = [r for r in rows if r.generated]
    if generated:
        lines.append("以下账号的初始密码由系统生成，请通知本人并要求首次登录后修改：")
        lines += [f"  {r.username}\t{r.password}" for r in generated]
    return "\n".join(lines)

"""An actuals file (数据同源) as rows: the first sheet of an XLSX, headers in Chinese or English.

Columns: 账号 (the cadre's login), 指标 (the item's name on the cycle's sheet), 数值; optional
姓名 (checked against the account), 目标值, 数据来源 (else the one given on the upload page)
and 考核周期 (checked against the cycle imported into).
"""

import io

from workflow_app.people.importer import ImportFailed

COLUMNS = {
    "account": ("account", "username", "login", "账号", "用户名", "登录名", "工号"),
    "name": ("name", "display_name", "姓名"),
    "indicator": ("indicator", "item", "指标", "指标名称", "考核指标"),
    "value": ("value", "actual", "数值", "实绩", "完成值", "实际值"),
    "target": ("target", "目标", "目标值"),
    "source": ("source", "来源", "数据来源", "来源单位"),
    "cycle": ("cycle", "考核周期", "周期"),
}
LABELS = {"account": "账号", "indicator": "指标", "value": "数值"}
MAX_BYTES = 5 * 1024 * 1024


def read_rows(data, default_source=""):
    """[{line, account, …}] from XLSX bytes; ImportFailed (lines in Chinese) if unreadable."""
    table = _table(data)
    if not table:
        raise ImportFailed(["文件是空的：第 1 行应为表头"])
    fields = _fields([_cell(v) for v in table[0]])
    rows = []
    for line, cells in enumerate(table[1:], start=2):
        if not any(_cell(c) for c in cells):
            continue  # blank rows are dropped, as in the people import
        row = {f: (cells[i] if i < len(cells) else None) for f, i in fields.items()}
        if not _cell(row.get("source")):
            row["source"] = default_source
        rows.append({"line": line, **row})
    return rows


def _table(data):
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise ImportFailed(["文件过大：最多 5 MB"])
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or non-XLSX file
        raise ImportFailed(["无法读取文件：请上传 Excel 的 XLSX 文件"]) from None
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()  # read-only workbooks keep the file open until closed


def _fields(header):
    aliases = {a.lower(): f for f, names in COLUMNS.items() for a in names}
    fields, problems = {}, []
    for index, name in enumerate(header):
        field = aliases.get(name.lower())
        if field is None:
            continue  # other columns (序号, 单位, 备注) are ignored
        if field in fields:
            problems.append(f"表头：列“{name}”重复")
        fields.setdefault(field, index)
    problems += [f"表头：缺少列“{label}”" for f, label in LABELS.items() if f not in fields]
    if problems:
        raise ImportFailed(problems)
    return fields


def _cell(value):
    if value is None:
        return ""
    return str(value).strip()

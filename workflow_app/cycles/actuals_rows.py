"""Checking the rows of an actuals import (数据同源): every row before anything is written.

A row is {line, account, name?, indicator, value, target?, source, cycle?}, from an XLSX
sheet (actuals_xlsx.py) or the API. Each problem is one line in Chinese naming the row
(the header is row 1, as in Excel); one bad row refuses the whole import.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from workflow_app.assessments.models import Assessment
from workflow_app.cycles.actuals import SOURCE_MAX
from workflow_app.cycles.indicators import WEIGHTED, cycle_sheets, sheet_category_for
from workflow_app.errors import Invalid
from workflow_app.extensions import db
from workflow_app.people.models import User
from workflow_app.people.scope import administers

MAX_ROWS = 20000
LIMIT = Decimal(10) ** 14  # FIGURE holds 14 digits before the point
CLOSED_STATES = ("final", "excluded")
NO_COPY = _l("This cycle has no copy of the indicator sheets yet (it is not open): there is "
             "nothing to import the figures against.")


class RowsRefused(Invalid):
    """Nothing was imported; `problems` says what is wrong, one line per problem."""

    code = "rows_refused"

    def __init__(self, problems):
        super().__init__(_l("Nothing was imported: %(n)d problems in the file. Correct them "
                            "and import the whole file again.", n=len(problems)))
        self.problems = list(problems)
        self.details["rows"] = self.problems


@dataclass
class Checked:
    line: int
    assessment: Assessment
    item: object
    value: Decimal
    target: Decimal | None
    source: str


def check_rows(cycle, actor, rows):
    """[Checked] for every row, or RowsRefused listing every problem of every row."""
    copies = cycle_sheets(cycle.id)
    if not copies:
        raise Invalid(NO_COPY, code="no_indicator_copy")
    if not rows:
        raise RowsRefused(["文件中没有数据行"])
    if len(rows) > MAX_ROWS:
        raise RowsRefused([f"行数过多：一次最多导入 {MAX_ROWS} 行"])
    found = _assessments(cycle, {_text(r.get("account")) for r in rows})
    problems, checked, seen = [], [], {}
    for row in rows:
        result = _check(cycle, actor, row, found, copies, problems)
        if result is not None:
            _no_duplicate(result, seen, problems.append)
            checked.append(result)
    if problems:
        raise RowsRefused(problems)
    return checked


def _assessments(cycle, accounts):
    accounts.discard("")
    if not accounts:
        return {}
    pairs = db.session.execute(
        select(User.username, Assessment).join(Assessment, Assessment.cadre_id == User.id)
        .where(Assessment.cycle_id == cycle.id, User.username.in_(sorted(accounts)))).all()
    return dict(pairs)


def _check(cycle, actor, row, found, copies, problems):
    line, before = row.get("line"), len(problems)

    def bad(text):
        problems.append(f"第 {line} 行：{text}")

    account, wanted_cycle = _text(row.get("account")), _text(row.get("cycle"))
    if wanted_cycle and wanted_cycle != cycle.name:
        bad(f"该行属于考核周期“{wanted_cycle}”，不是本次导入的“{cycle.name}”")
    assessment = _cadre(account, row, found, actor, bad)
    item = _item(assessment, _text(row.get("indicator")), copies, bad) if assessment else None
    value = _figure(row.get("value"), "数值", bad, required=True)
    target = _figure(row.get("target"), "目标值", bad, required=False)
    source = _source(row.get("source"), bad)
    if len(problems) != before or assessment is None or item is None:
        return None
    return Checked(line, assessment, item, value, target, source)


def _cadre(account, row, found, actor, bad):
    if not account:
        bad("缺少账号（请填写干部的登录账号）")
        return None
    assessment = found.get(account)
    if assessment is None or not administers(actor, assessment.org_unit):
        # The same words for "no such person" and "not yours": nobody learns who exists
        # outside their own units.
        bad(f"找不到账号为“{account}”的考核对象：此人不在本考核周期中，或不在您管理的单位内")
        return None
    name = _text(row.get("name"))
    if name and name != assessment.cadre.display_name:
        bad(f"姓名“{name}”与账号“{account}”（{assessment.cadre.display_name}）不符")
        return None
    if assessment.state in CLOSED_STATES:
        bad(f"“{assessment.cadre.display_name}”本周期的考核已结束，不能再导入实绩")
        return None
    return assessment


def _item(assessment, indicator, copies, bad):
    if not indicator:
        bad("缺少指标名称")
        return None
    category = sheet_category_for(copies, assessment.org_unit.category)
    items = copies[category][1] if category is not None else []
    named = [i for i in items if i.kind in WEIGHTED and indicator in (i.name, str(i.id))]
    if len(named) != 1:
        sheet = copies[category][0].name if category is not None else "（无）"
        bad(f"指标“{indicator}”不在“{assessment.cadre.display_name}”所用的指标表"
            f"“{sheet}”中（只能导入共性指标和个性指标）")
        return None
    return named[0]


def _figure(raw, label, bad, required):
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            bad(f"缺少{label}")
        return None
    if isinstance(raw, bool):
        bad(f"{label}“{raw}”不是数字")
        return None
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        bad(f"{label}“{raw}”不是数字")
        return None
    if abs(number) >= LIMIT:
        bad(f"{label}“{raw}”超出范围")
        return None
    return number.quantize(Decimal("0.0001"))


def _source(raw, bad):
    source = _text(raw)
    if not source:
        bad("缺少数据来源（如 统计局、督查室）")
    elif len(source) > SOURCE_MAX:
        bad(f"数据来源过长：最多 {SOURCE_MAX} 个字")
    return source


def _no_duplicate(result, seen, say):
    key = (result.assessment.id, result.item.id)
    if key in seen:
        say(f"第 {result.line} 行：与第 {seen[key]} 行重复（同一干部、同一指标只能有一行）")
    else:
        seen[key] = result.line


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()

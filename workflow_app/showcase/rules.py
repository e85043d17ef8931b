"""The 业绩晾晒 rules: the seed's five dimensions, the kinds of 减星, the periods and
ISO weeks, and the settings (config.Config SHOWCASE_*).

Periods are months ("2026-04", the seed's 月评比) or quarters ("2026-Q2", 季赋分);
SHOWCASE_PERIOD only chooses which kind a board opens on. A week of the 周通报 is an
ISO week ("2026-W15") that overlaps the period; its days outside the period count
for nothing.
"""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext
from flask_babel import lazy_gettext as _l

# 泗水县委直机关工委: 任务目标完成情况、信息宣传情况、金点子情况、活动组织情况、获得荣誉情况.
DIMENSIONS = {
    "tasks": _l("Task targets met"),
    "publicity": _l("Information and publicity"),
    "ideas": _l("Golden ideas"),
    "activities": _l("Activities organised"),
    "honours": _l("Honours received"),
}
# 减星: "对未能完成岗位目标任务或通报批评等情况进行减星".
DEDUCTION_KINDS = {
    "missed_target": _l("Missed target"),
    "criticism": _l("Notice of criticism (通报批评)"),
}
SUBJECT_KINDS = ("person", "department")
VISIBILITY = ("members", "staff")
PERIOD_KINDS = ("month", "quarter")

MONTH_RE = re.compile(r"(\d{4})-(0[1-9]|1[0-2])")
QUARTER_RE = re.compile(r"(\d{4})-Q([1-4])")
WEEK_RE = re.compile(r"(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])")


def max_stars():
    """Stars a subject may earn per dimension and period (SHOWCASE_MAX_STARS, 1..10)."""
    return min(max(int(current_app.config.get("SHOWCASE_MAX_STARS", 5)), 1), 10)


def visibility():
    value = current_app.config.get("SHOWCASE_VISIBILITY", "members")
    return value if value in VISIBILITY else "members"


def period_kind():
    value = current_app.config.get("SHOWCASE_PERIOD", "month")
    return value if value in PERIOD_KINDS else "month"


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date          # the last day, inclusive

    @property
    def label(self):
        if "Q" in self.code:
            return gettext("Q%(q)d %(year)d", q=(self.start.month + 2) // 3, year=self.start.year)
        return gettext("%(month)d/%(year)d", month=self.start.month, year=self.start.year)

    def contains(self, day):
        return self.start <= day <= self.end

    def clamp(self, day):
        return min(max(day, self.start), self.end)


def _month_end(year, month):
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def parse_period(code):
    """The Period named by `code`, or None when it names none (year 2000..2999)."""
    code = (code or "").strip()
    if m := MONTH_RE.fullmatch(code):
        year, month = int(m[1]), int(m[2])
        return Period(code, date(year, month, 1), _month_end(year, month)) \
            if 2000 <= year <= 2999 else None
    if m := QUARTER_RE.fullmatch(code):
        year, first = int(m[1]), 3 * int(m[2]) - 2
        return Period(code, date(year, first, 1), _month_end(year, first + 2)) \
            if 2000 <= year <= 2999 else None
    return None


def period_of(day, kind=None):
    """The period of `kind` (default: the setting) that holds `day`."""
    if (kind or period_kind()) == "quarter":
        return parse_period(f"{day.year}-Q{(day.month + 2) // 3}")
    return parse_period(f"{day.year}-{day.month:02d}")


def neighbours(period):
    """(previous, next) periods of the same kind."""
    kind = "quarter" if "Q" in period.code else "month"
    return (period_of(period.start - timedelta(days=1), kind),
            period_of(period.end + timedelta(days=1), kind))


@dataclass(frozen=True)
class Week:
    code: str
    start: date        # Monday
    end: date          # Sunday

    @property
    def label(self):
        return gettext("Week %(week)d of %(year)d (%(start)s – %(end)s)",
                       week=int(self.code[-2:]), year=int(self.code[:4]),
                       start=f"{self.start.month}月{self.start.day}日",
                       end=f"{self.end.month}月{self.end.day}日")


def week_of(day):
    year, week, _ = day.isocalendar()
    monday = day - timedelta(days=day.weekday())
    return Week(f"{year}-W{week:02d}", monday, monday + timedelta(days=6))


def weeks_of(period):
    """The ISO weeks that overlap `period`, in order."""
    weeks, day = [], period.start
    while day <= period.end:
        weeks.append(week_of(day))
        day = weeks[-1].end + timedelta(days=1)
    return weeks


def parse_week(code, period):
    """The week named by `code` if it overlaps `period`, else None."""
    return next((w for w in weeks_of(period) if w.code == (code or "").strip()), None)


def default_week(period, today):
    """This week when it overlaps the period, otherwise the period's last week."""
    weeks = weeks_of(period)
    return next((w for w in weeks if w.start <= today <= w.end), weeks[-1])

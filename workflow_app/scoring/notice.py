"""What a 公示 notice prints besides the names: who issues it, for how long, and where
to object.

The issuing body (发布单位), the supervision phone (监督电话) and where objections go
are the same for every quarter of one department, so they are kept once per top-level
org unit (the department, e.g. 县委组织部) and edited by its org_admin. The period is
the cycle's own: it starts when the cycle is published and runs `publicity_days`
working days (set on the cycle form), so it needs no setting here.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflow_app.clock import as_utc
from workflow_app.extensions import db
from workflow_app.models_base import created_at, pk, timestamp
from workflow_app.people.models import OrgUnit
from workflow_app.workcalendar import LOCAL_TZ

FIELD_LIMITS = {"issuing_body": 120, "supervision_phone": 40, "objection_channel": 300}


class NoticeSettings(db.Model):
    __tablename__ = "notice_settings"
    id: Mapped[int] = pk()
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id", ondelete="CASCADE"),
                                             unique=True)
    issuing_body: Mapped[str] = mapped_column(String(120), default="")
    supervision_phone: Mapped[str] = mapped_column(String(40), default="")
    # Where to send objections: an office, an address, a mailbox.
    objection_channel: Mapped[str] = mapped_column(String(300), default="")
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at = timestamp()
    created_at = created_at()

    org_unit = relationship(OrgUnit)


def department_of(unit):
    """The top-level unit above `unit` (itself when it has no parent)."""
    root_id = int(unit.path.strip("/").split("/")[0]) if unit.path.strip("/") else unit.id
    return db.session.get(OrgUnit, root_id) or unit


def settings_for(unit):
    """The department's settings row, or None when nobody has filled it in yet."""
    return db.session.query(NoticeSettings).filter_by(org_unit_id=unit.id).one_or_none()


def save_settings(unit, actor, values, now):
    row = settings_for(unit) or NoticeSettings(org_unit_id=unit.id)
    for name, limit in FIELD_LIMITS.items():
        setattr(row, name, (values.get(name) or "").strip()[:limit])
    row.updated_by_id, row.updated_at = actor.id, now
    db.session.add(row)
    return row


@dataclass
class Notice:
    """The lines of a 公示 notice around its table, ready to print."""
    title: str
    period: str
    issuing_body: str
    issued_on: str
    supervision: str
    objections: str


def _cn_date(day, with_year=True):
    return (f"{day.year}年" if with_year else "") + f"{day.month}月{day.day}日"


def period_text(cycle):
    """公示时间：2026年4月1日至4月8日 (the end is the last working day of the period)."""
    if not cycle.published_at or not cycle.publication_ends_at:
        return ""
    start = as_utc(cycle.published_at).astimezone(LOCAL_TZ).date()
    # publication_ends_at is the midnight after the last day.
    end = (as_utc(cycle.publication_ends_at).astimezone(LOCAL_TZ) - timedelta(seconds=1)).date()
    return gettext("Publication period: %(start)s to %(end)s", start=_cn_date(start),
                   end=_cn_date(end, with_year=end.year != start.year))


def notice_for(cycle):
    department = department_of(cycle.org_units[0]) if cycle.org_units else None
    row = settings_for(department) if department else None
    issuing = (row.issuing_body if row and row.issuing_body else
               (department.name if department else ""))
    issued = as_utc(cycle.published_at).astimezone(LOCAL_TZ).date() if cycle.published_at \
        else None
    phone = row.supervision_phone if row else ""
    channel = row.objection_channel if row else ""
    return Notice(
        title=gettext("%(cycle)s · Results publication", cycle=cycle.name),
        period=period_text(cycle), issuing_body=issuing,
        issued_on=_cn_date(issued) if isinstance(issued, date) else "",
        supervision=gettext("Supervision phone: %(phone)s", phone=phone) if phone else "",
        objections=objection_line(cycle, channel))


def objection_line(cycle, channel):
    """Where and until when objections are taken."""
    if not cycle.publication_ends_at:
        return ""
    until = as_utc(cycle.publication_ends_at).astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    if channel:
        return gettext("Objections may be raised until %(time)s, in this system or to: "
                       "%(channel)s.", time=until, channel=channel)
    return gettext("Objections may be raised until %(time)s.", time=until)

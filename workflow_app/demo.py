"""`flask seed-demo`: a small county to try Kaohe with (DESIGN.md §7 quick start).

双辽市: the organisation department over two towns (each with its own office and
two communities) and two city departments of different categories, so category
rankings (经济发展类 / 执法服务类, 乡镇, 社区) show. Every change goes through the
real services with the time set explicitly, so the finished previous quarter has
consistent audit chains and the open quarter has assessments in every stage.
"""

import random
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from workflow_app.assessments.fanout import fan_out, fan_out_committed
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.clock import as_utc, utcnow
from workflow_app.cycles.indicators import DEFAULT_SHEET, save_sheet
from workflow_app.cycles.services import create_cycle, open_cycle
from workflow_app.extensions import db
from workflow_app.notifications.models import Notification
from workflow_app.people.models import User
from workflow_app.people.passwords import hash_password
from workflow_app.people.roles import AUDITOR, CADRE, COMMITTEE, ORG_ADMIN, SECRETARY, SUPERVISOR
from workflow_app.people.services import create_org_unit, create_user
from workflow_app.people.teams import add_member, create_team
from workflow_app.scoring.services import finalize_due, grade_cycle, publish_cycle
from workflow_app.workcalendar import LOCAL_TZ

PASSWORD = "demo1234"
ROOT = "双辽市委组织部"
# (unit, category, parent)
UNITS = [
    (ROOT, "", None),
    ("茂林镇", "乡镇", ROOT), ("茂林镇机关", "乡镇", "茂林镇"),
    ("茂林社区", "社区", "茂林镇"), ("兴华社区", "社区", "茂林镇"),
    ("卧虎镇", "乡镇", ROOT), ("卧虎镇机关", "乡镇", "卧虎镇"),
    ("卧虎社区", "社区", "卧虎镇"), ("新立社区", "社区", "卧虎镇"),
    ("市发展和改革局", "经济发展类", ROOT), ("市市场监督管理局", "执法服务类", ROOT),
]
# Supervisors (包联领导) and where they sit.
SUPERVISORS = {"sup1": "茂林镇", "sup2": "茂林镇", "sup3": "卧虎镇", "sup4": "卧虎镇",
               "sup5": "市发展和改革局", "sup6": "市市场监督管理局"}
# Teams: the unit where five cadres work, with its supervisor; each team also has
# a secretary and two committee members (两委成员 / 考核组).
TEAMS = [("茂林镇机关", "sup1"), ("茂林社区", "sup2"), ("兴华社区", "sup2"),
         ("卧虎镇机关", "sup3"), ("卧虎社区", "sup4"), ("新立社区", "sup4"),
         ("市发展和改革局", "sup5"), ("市市场监督管理局", "sup6")]
TEAM_SIZE = 5
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
# Two-character given names, 37 of them (coprime with 20 surnames: no name repeats).
GIVEN = ("建国秀英志强丽华海燕国庆桂兰玉梅晓东春生红梅立新淑珍德明雪松振华凤霞文博永刚"
         "丹丹宏伟翠萍长春静怡子涵建军美玲金凤思远晨阳亚楠卫东志红冬梅俊杰婷婷明辉")
# Where each assessment of the open quarter is driven to (40 cadres, shuffled below).
PLAN = (["fresh"] * 7 + ["draft"] * 6 + ["sent_back_sup", "sent_back_sup", "sent_back_com"]
        + ["supervisor_review"] * 7 + ["committee_review"] * 6
        + ["secretary_approval"] * 5 + ["approved"] * 6)
STAGES = ("supervisor_review", "committee_review", "secretary_approval", "approved")
WORK = {
    "社区": ("完成辖区 {n} 户入户走访，更新困难群众台账", "组织垃圾分类宣传活动 {k} 场"),
    "乡镇": ("推进 {k} 个产业项目建设，完成投资 {m} 万元", "落实耕地保护网格化巡查 {n} 次"),
    "经济发展类": ("新签约招商引资项目 {k} 个，到位资金 {m} 万元",),
    "执法服务类": ("开展食品安全专项检查 {n} 次，立案查处 {k} 起",),
}


@dataclass
class Crew:
    """Who acts on one cadre's assessment."""
    supervisor: User
    committee: list = field(default_factory=list)
    secretary: User | None = None


def seed():
    """Create the demo data once; later calls change nothing and print the logins."""
    if db.session.scalar(select(func.count(User.id))):
        if db.session.scalar(select(User.id).where(User.username == "cadre01")):
            return ["示例数据已存在，未重复生成。", *logins()]
        return ["数据库中已有用户，未生成示例数据（示例数据只在空数据库中生成）。"]
    now, rng = utcnow(), random.Random(2026)
    admin, crews = build_people()
    set_up_sheet_and_teams(admin, crews)
    run_history(admin, crews, now, rng)
    run_current(admin, crews, now - timedelta(days=9), now, rng)
    db.session.commit()
    fan_out_committed()  # everyone's inbox as the transitions left it
    return ["示例数据已生成：双辽市 2 个镇、4 个社区、2 个市直单位，40 名干部。", *logins()]


def logins():
    lines = [f"示例账号（密码均为 {PASSWORD}）：", "  组织部管理员 admin    纪委审计 audit"]
    for i, (unit, sup) in enumerate(TEAMS, start=1):
        first, last = TEAM_SIZE * (i - 1) + 1, TEAM_SIZE * i
        lines.append(f"  {unit}：干部 cadre{first:02d}–cadre{last:02d}，上级领导 {sup}，"
                     f"两委/考核组 com{2 * i - 1} com{2 * i}，书记 sec{i}")
    return lines


# --- people ------------------------------------------------------------------

def build_people():
    with _one_real_hash():
        return _build_people()


@contextmanager
def _one_real_hash():
    """Every demo account shares one password: hash it once at full strength and give
    every account that hash, instead of paying Argon2's cost 72 times (~15 s)."""
    config = current_app.config
    saved = {k: config.get(k) for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST")}
    digest = hash_password(PASSWORD)
    config.update(ARGON2_TIME_COST=1, ARGON2_MEMORY_COST=1024)
    try:
        yield
    finally:
        config.update(saved)
    db.session.execute(update(User).values(password_hash=digest))


def _build_people():
    units = {}
    for name, category, parent in UNITS:
        units[name] = create_org_unit(name, units.get(parent), category)
    names = iter(_names())
    counter = iter(range(1000))

    def add(username, unit, roles, supervisor=None):
        return create_user(None, username=username, password=PASSWORD,
                           display_name=next(names), org_unit=units[unit], roles=roles,
                           phone=f"1390434{next(counter):04d}", supervisor=supervisor)

    admin = add("admin", ROOT, [ORG_ADMIN])
    add("audit", ROOT, [AUDITOR])
    sups = {u: add(u, unit, [SUPERVISOR]) for u, unit in SUPERVISORS.items()}
    crews = {}
    for i, (unit, sup) in enumerate(TEAMS, start=1):
        crew = Crew(sups[sup], [add(f"com{2 * i - 1}", unit, [COMMITTEE]),
                                add(f"com{2 * i}", unit, [COMMITTEE])],
                    add(f"sec{i}", unit, [SECRETARY]))
        for n in range(TEAM_SIZE * (i - 1) + 1, TEAM_SIZE * i + 1):
            crews[add(f"cadre{n:02d}", unit, [CADRE], supervisor=crew.supervisor).id] = crew
    return admin, crews


def set_up_sheet_and_teams(admin, crews):
    """The general indicator sheet (copied into every demo cycle as it opens) and each
    unit's leadership team (班子): its secretary and two-committee members."""
    save_sheet(admin, None, {**DEFAULT_SHEET, "category": "", "name": "通用考核指标"})
    seen = set()
    for crew in crews.values():
        unit = crew.secretary.org_unit
        if unit.id in seen:
            continue
        seen.add(unit.id)
        team = create_team(admin, unit, "领导班子")
        add_member(admin, team, crew.secretary, "书记")
        for member in crew.committee:
            add_member(admin, team, member, "委员")


def _names():
    """Distinct Chinese names: 20 surnames × 37 given names never repeat within 740."""
    given = [GIVEN[i:i + 2] for i in range(0, len(GIVEN), 2)]
    return [SURNAMES[i % len(SURNAMES)] + given[i % len(given)] for i in range(740)]


# --- time ----------------------------------------------------------------------

@contextmanager
def at(when):
    """Make the clock read `when`, so rows stamped by default (audit, outbox) agree."""
    config = current_app.config
    previous = config.get("CLOCK")
    config["CLOCK"] = lambda: when
    try:
        yield when
    finally:
        config["CLOCK"] = previous


def quarter_before(now, back):
    """(year, quarter) `back` quarters before the one containing `now` (Beijing time)."""
    local = now.astimezone(LOCAL_TZ)
    index = local.year * 4 + (local.month - 1) // 3 - back
    return index // 4, index % 4 + 1


def make_cycle(admin, year, quarter, opens, deadline):
    data = {"name": f"{year}年第{'一二三四'[quarter - 1]}季度平时考核", "kind": "quarterly",
            "year": year, "quarter": quarter, "workflow": "quarterly", "opens_at": opens,
            "submit_deadline": deadline, "committee_stage": True, "publicity_days": 5,
            "appeal_days": 15}
    with at(opens):
        cycle = create_cycle(admin, data, [admin.org_unit])
        open_cycle(cycle, admin, now=opens)
    return cycle


def assessments(cycle):
    return db.session.scalars(select(Assessment).join(User, User.id == Assessment.cadre_id)
                              .where(Assessment.cycle_id == cycle.id)
                              .order_by(User.username)).all()


# --- the finished previous quarter ------------------------------------------------

def run_history(admin, crews, now, rng):
    year, quarter = quarter_before(now, 2)
    # Assessed early in the following quarter, which began at least 90 days ago:
    # the whole round (about 35 days) is over well before today.
    next_year, next_quarter = quarter_before(now, 1)
    # Services store `now` as given and SQLite keeps no zone: always hand them UTC.
    opens = as_utc(datetime(next_year, 3 * next_quarter - 2, 6, 9, 0, tzinfo=LOCAL_TZ))
    cycle = make_cycle(admin, year, quarter, opens, opens + timedelta(days=15))
    for n, a in enumerate(assessments(cycle)):
        start = opens + timedelta(days=1, hours=2 * n)
        drive(a, "approved", crews[a.cadre_id], start, rng)
    graded = opens + timedelta(days=20)
    with at(graded):
        grade_cycle(cycle, admin, now=graded)
        publish_cycle(cycle, admin, now=graded)
    ended = as_utc(cycle.publication_ends_at) + timedelta(days=1)  # filed the day after
    with at(ended):
        finalize_due(ended)
        fan_out()  # the quarter's notices, as the requests back then would have made them
    # That quarter is long over: its messages count as delivered and read.
    db.session.execute(update(Notification).where(Notification.status == "pending")
                       .values(status="sent", sent_at=Notification.created_at,
                               read_at=Notification.created_at))


# --- the open quarter --------------------------------------------------------------

def run_current(admin, crews, opens, now, rng):
    year, quarter = quarter_before(now, 1)
    due_day = (now + timedelta(days=6)).astimezone(LOCAL_TZ).date()
    deadline = datetime.combine(due_day, time(17, 30), tzinfo=LOCAL_TZ)
    cycle = make_cycle(admin, year, quarter, opens, deadline)
    plan = list(PLAN)
    random.Random(7).shuffle(plan)
    for n, (a, target) in enumerate(zip(assessments(cycle), plan, strict=True)):
        drive(a, target, crews[a.cadre_id], opens + timedelta(days=1, hours=2 * n), rng)


def drive(a, target, crew, start, rng):
    """Take one assessment from drafting to `target`, each step a day after the last."""
    if target == "fresh":
        return
    content = report(a, rng)
    if target == "draft":
        _save(a, {k: v for k, v in content.items() if k in ("key_work", "self_scores")}, start)
        return
    _save(a, content, start)
    _fire(a, "submit", a.cadre, start)
    if target == "sent_back_sup":
        _fire(a, "send_back", crew.supervisor, start + timedelta(days=1),
              comment="请补充本季度重点工作的量化数据和群众评价。")
        revised = dict(content, key_work=content["key_work"] + "（补充：已完成入户回访。）")
        _save(a, revised, start + timedelta(days=2))
        return
    if target == "sent_back_com":
        _approve(a, "committee_review", crew, start + timedelta(days=1), rng)
        _fire(a, "send_back", crew.committee[0], start + timedelta(days=2),
              comment="“最不满意的工作”写得过于笼统，请具体说明原因和改进措施。")
        return
    for day, reached in enumerate(STAGES[1:STAGES.index(target) + 1], start=1):
        _approve(a, reached, crew, start + timedelta(days=day), rng)


def _approve(a, reached, crew, when, rng):
    """Approve the stage before `reached` as the person who acts there."""
    if reached == "committee_review":
        _fire(a, "approve", crew.supervisor, when, score=rng.randint(80, 98),
              comment="情况属实，同意。")
    elif reached == "secretary_approval":
        reviewer = crew.committee[a.cadre_id % 2]
        _fire(a, "approve", reviewer, when, score=_committee_score(rng),
              comment="经两委会研究，同意。")
    else:
        _fire(a, "approve", crew.secretary, when, comment="同意。")


def _committee_score(rng):
    """Mostly good, some average, a few weak: enough spread for every grade."""
    band = rng.random()
    if band < 0.55:
        return rng.randint(86, 97)
    if band < 0.9:
        return rng.randint(75, 89)
    return rng.randint(60, 74)


def _fire(a, event, actor, when, **params):
    with at(when):
        fire_event(a, event, actor, now=when, **params)


def _save(a, content, when):
    with at(when):
        save_report(a, a.cadre, content)


def report(a, rng):
    category = a.org_unit.category
    lines = [t.format(n=rng.randint(120, 900), k=rng.randint(3, 12), m=rng.randint(200, 5000))
             for t in WORK.get(category, WORK["社区"])]
    scores = {d: rng.randint(85, 98) for d in ("de", "neng", "qin", "ji", "lian")}
    return {
        "key_work": "；".join(lines) + "。",
        "indicator_progress": f"年度目标任务完成 {rng.randint(22, 30)}%，按序时进度推进。",
        "most_satisfied": "群众反映的问题做到件件有回音、事事有着落。",
        "least_satisfied": "政策宣传方式还比较单一，年轻群体覆盖不足。",
        "self_evaluation": "本季度能够认真履行岗位职责，服从安排，廉洁自律，按时完成各项任务。",
        "self_scores": scores,
    }

"""A 秦皇岛-like corner of the standard world (seed 003), for the ownership, per-unit
weights and 连带考核 tests:

    县委组织部 (root; admin)
    ├─ 市直单位 ─ 市工信局 (经济发展类): gx_sup (supervisor), gx_sec (secretary), gx1 (cadre),
    │                                    gx_lead (cadre, 总负责)
    └─ 县区 ─ 海港区, 山海关区, 北戴河区 (县区)
    and 外市 (another root, nobody here administers it)

The 县区 sheet has秦皇岛's 12 indicators; 北戴河 lowers four by 5 and raises five by 4.
"""

from decimal import Decimal

from sqlalchemy import select

from tests.factories import FULL_REPORT, make_user
from workflow_app.assessments.models import Assessment
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.ownership import set_ownership
from workflow_app.extensions import db
from workflow_app.people.services import create_org_unit

LOWERED = ["制造业增加值占地区生产总值比重", "规模以上工业增加值增速", "工业固定资产投资增速",
           "工业企业利润总额增速"]                                  # 10 each; 北戴河 5
RAISED = ["战略性新兴产业总产值占规模以上工业总产值比重", "旅游总收入增速",
          "服务业增加值增速", "接待游客人次增速", "生命健康产业营业收入增速"]  # 8 each; 北戴河 12
OTHERS = [("一般公共预算收入增速", 7), ("固定资产投资增速", 7), ("居民人均可支配收入增速", 6)]
LINKED = LOWERED[0]
BEIDAIHE = {**dict.fromkeys(LOWERED, 5), **dict.fromkeys(RAISED, 12)}


def county_sheet():
    rows = [(n, 10) for n in LOWERED] + [(n, 8) for n in RAISED] + OTHERS
    return {"category": "县区", "name": "高质量发展综合绩效评价", "bonus_cap": 5,
            "penalty_cap": 10, "items": [{"kind": "individual", "name": n, "weight": w}
                                         for n, w in rows]}


def department_sheet():
    return {"category": "经济发展类", "name": "经济发展绩效考核", "bonus_cap": 5,
            "penalty_cap": 10, "items": [
                {"kind": "common", "name": "党的建设成效", "weight": 30},
                {"kind": "individual", "name": "省考核任务完成情况", "weight": 70}]}


def build(world):
    root = world.units["root"]
    depts = create_org_unit("市直单位", root, "")
    counties = create_org_unit("县区", root, "")
    gx = create_org_unit("市工信局", depts, "经济发展类")
    units = {"gx": gx, "depts": depts, "counties": counties,
             "other_root": create_org_unit("外市", None, "")}
    for key, name in (("haigang", "海港区"), ("shanhaiguan", "山海关区"), ("beidaihe", "北戴河区")):
        units[key] = create_org_unit(name, counties, "县区")
    world.units.update(units)
    sup = world.users["gx_sup"] = make_user("gx_sup", gx, ["supervisor"])
    world.users["gx_sec"] = make_user("gx_sec", gx, ["secretary"])
    world.users["gx1"] = make_user("gx1", gx, ["cadre"], supervisor=sup)
    world.users["gx_lead"] = make_user("gx_lead", gx, ["cadre"], supervisor=sup)
    world.users["outsider"] = make_user("outsider", units["other_root"], ["cadre"])
    sheets = {"county": ind.save_sheet(world.admin, None, county_sheet()),
              "dept": ind.save_sheet(world.admin, None, department_sheet())}
    db.session.commit()
    return sheets


def item_of(sheet, name):
    return next(i for i in sheet.items if i.name == name)


def link(world, sheet, weight=10, average="mean", mode="replace", name=LINKED):
    item = set_ownership(world.admin, sheet, item_of(sheet, name), {
        "lead_unit_id": world.units["gx"].id, "lead_cadre_id": world.gx_lead.id,
        "responsible_unit_ids": [world.units["haigang"].id],
        "linkage_weight": weight, "linkage_average": average, "linkage_mode": mode})
    db.session.commit()
    return item


def assessment_of(cycle, user):
    return db.session.scalar(select(Assessment).where(Assessment.cycle_id == cycle.id,
                                                      Assessment.cadre_id == user.id))


def approve(world, cycle, name, score):
    """Submit, supervisor's score, secretary's approval (a cycle without committee)."""
    cadre = world.users[name]
    a = assessment_of(cycle, cadre)
    save_report(a, cadre, FULL_REPORT)
    fire_event(a, "submit", cadre)
    fire_event(a, "approve", world.gx_sup, score=score)
    fire_event(a, "approve", world.gx_sec)
    db.session.commit()
    return a


def d(value):
    return Decimal(str(value))

"""数据同源 (双辽): indicator actuals a source office holds, imported once per period from
XLSX or the API; shown read-only in the cadre's report, never asked for, never overwritten
by a posted field; every bad row refused with its own Chinese message and nothing written."""

import io
import re

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from tests.indicator_helpers import assessment_of, sheet
from tests.web.conftest import Auth, report_form
from workflow_app.assessments.services import current_report, save_report
from workflow_app.audit.models import AuditEntry
from workflow_app.cycles import indicators as ind
from workflow_app.cycles.actuals import ActualImport, IndicatorActual, import_actuals
from workflow_app.cycles.actuals_rows import RowsRefused
from workflow_app.errors import Invalid
from workflow_app.extensions import db

HEADER = ("账号", "姓名", "指标", "数值", "目标值", "数据来源", "考核周期")
CYCLE = "2026年第一季度平时考核"


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def cycle(world, create_cycle):
    """A cycle with the 社区 sheet (指标0 common, 指标1 individual, bonus and penalty items)."""
    ind.save_sheet(world.admin, None, sheet())
    db.session.commit()
    return create_cycle()


def xlsx(*rows, header=HEADER):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(web, cycle_id, data, source="统计局", name="实绩.xlsx"):
    web.get(f"/admin/cycles/{cycle_id}/actuals")
    return web.post(f"/admin/cycles/{cycle_id}/actuals",
                    data={"file": (io.BytesIO(data), name), "source": source},
                    content_type="multipart/form-data")


def _nothing_written():
    db.session.expire_all()
    assert db.session.scalar(select(func.count(IndicatorActual.id))) == 0
    assert db.session.scalar(select(func.count(ActualImport.id))) == 0
    assert db.session.scalar(select(func.count(AuditEntry.id))
                             .where(AuditEntry.action == "import_actuals")) == 0


GOOD = ("a1", "a1", "指标0", 1200, 1000, "统计局", CYCLE)


def test_admin_imports_and_the_cadre_is_no_longer_asked(world, cycle, auth):
    auth.login("a1")
    before = auth.main.get("/my").get_data(as_text=True)
    assert re.search(r'name="indicators-0-name"[^>]* value="指标0"', before)
    admin = auth.user("admin")
    resp = upload(admin, cycle.id, xlsx(GOOD, ("a2", "", "指标1", "87.5", "", "", "")),
                  source="督查室")
    assert resp.status_code == 303
    page = admin.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已导入 2 项数据（新增 2 项，替换 0 项）" in page
    a1 = assessment_of(world.a1)
    (actual,) = db.session.scalars(select(IndicatorActual)
                                   .where(IndicatorActual.assessment_id == a1.id)).all()
    assert (actual.value, actual.target, actual.source) == (1200, 1000, "统计局")
    a2 = assessment_of(world.a2)
    assert db.session.scalar(select(IndicatorActual.source)
                             .where(IndicatorActual.assessment_id == a2.id)) == "督查室"
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "import_actuals"))
    assert entry.data["rows"] == 2 and entry.data["created"] == 2

    html = auth.main.get("/my").get_data(as_text=True)
    assert "数据来源：统计局（只读）" in html and ">1200<" in html
    # 指标0 is no longer a row to type; 指标1 still is.
    assert not re.search(r'<input[^>]* value="指标0"', html)
    assert re.search(r'name="indicators-0-name"[^>]* value="指标1"', html)


def test_a_posted_value_for_an_imported_item_is_never_kept(world, cycle, auth, api):
    import_actuals(cycle, world.admin, [{"line": 2, "account": "a1", "indicator": "指标0",
                                         "value": "1200", "source": "统计局"}])
    db.session.commit()
    a = assessment_of(world.a1)
    forged = {"indicators": [{"name": "指标0", "target": "1", "actual": "999999",
                              "evidence_note": "改"},
                             {"name": "指标1", "target": "10", "actual": "9"}]}
    auth.login("a1")
    auth.main.get("/my")
    resp = auth.main.post("/my", data=report_form(a.id, content=forged))
    assert resp.status_code == 302
    db.session.expire_all()
    rows = current_report(a).content["indicators"]
    assert [r["name"] for r in rows] == ["指标1"]
    resp = api.as_user("a1").put(f"/assessments/{a.id}/report", json={"content": forged})
    assert resp.status_code == 200
    db.session.expire_all()
    assert [r["name"] for r in current_report(a).content["indicators"]] == ["指标1"]
    assert db.session.scalar(select(IndicatorActual.value)) == 1200


def test_reviewers_see_the_same_read_only_figure(world, cycle, auth):
    import_actuals(cycle, world.admin, [{"line": 2, "account": "a1", "indicator": "指标0",
                                         "value": 45.25, "source": "督查室"}])
    db.session.commit()
    a = assessment_of(world.a1)
    auth.login("sup_a")
    html = auth.main.get(f"/assessments/{a.id}").get_data(as_text=True)
    assert "数据来源：督查室（只读）" in html and ">45.25<" in html


@pytest.mark.parametrize("row, message", [
    (("nobody", "", "指标0", 1, "", "", ""),
     "第 3 行：找不到账号为“nobody”的考核对象：此人不在本考核周期中，或不在您管理的单位内"),
    (("a1", "", "不存在的指标", 1, "", "", ""), "第 3 行：指标“不存在的指标”不在“a1”所用的指标表"),
    (("a1", "", "表彰奖励", 1, "", "", ""), "第 3 行：指标“表彰奖励”不在“a1”所用的指标表"),
    (("a2", "", "指标0", "一千二", "", "", ""), "第 3 行：数值“一千二”不是数字"),
    (("a2", "", "指标0", "", "", "", ""), "第 3 行：缺少数值"),
    (("a2", "", "指标0", 5, "很高", "", ""), "第 3 行：目标值“很高”不是数字"),
    (("a1", "", "指标0", 5, "", "", ""), "第 3 行：与第 2 行重复（同一干部、同一指标只能有一行）"),
    (("a2", "", "指标0", 5, "", "", "2025年第四季度平时考核"),
     "第 3 行：该行属于考核周期“2025年第四季度平时考核”，不是本次导入的“2026年第一季度平时考核”"),
    (("a2", "张三", "指标0", 5, "", "", ""), "第 3 行：姓名“张三”与账号“a2”（a2）不符"),
])
def test_a_bad_row_refuses_the_whole_file(world, cycle, auth, row, message):
    auth.login("admin")
    resp = upload(auth.main, cycle.id, xlsx(GOOD, row))
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert message in html and "没有导入任何数据" in html
    _nothing_written()


@pytest.mark.parametrize("data, message", [
    (b"not a spreadsheet", "无法读取文件：请上传 Excel 的 XLSX 文件"),
    (xlsx(GOOD, header=("账号", "指标")), "表头：缺少列“数值”"),
    (xlsx(header=HEADER), "文件中没有数据行"),
])
def test_an_unreadable_file_is_refused(world, cycle, auth, data, message):
    auth.login("admin")
    resp = upload(auth.main, cycle.id, data)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    _nothing_written()


def test_a_source_is_needed(world, cycle, auth):
    auth.login("admin")
    resp = upload(auth.main, cycle.id, xlsx(("a1", "", "指标0", 1, "", "", "")), source="")
    assert resp.status_code == 422
    assert "第 2 行：缺少数据来源（如 统计局、督查室）" in resp.get_data(as_text=True)


def test_importing_again_replaces_the_figure(world, cycle):
    rows = [{"line": 2, "account": "a1", "indicator": "指标0", "value": 1, "source": "统计局"}]
    import_actuals(cycle, world.admin, rows)
    batch = import_actuals(cycle, world.admin, [{**rows[0], "value": 2}])
    db.session.commit()
    assert (batch.created_count, batch.replaced_count) == (0, 1)
    assert db.session.scalars(select(IndicatorActual.value)).all() == [2]


# --- who may import ----------------------------------------------------------------------

@pytest.mark.parametrize("who", ["a1", "sup_a", "sec_a", "audit"])
def test_only_org_admins_import(world, cycle, auth, api, who):
    auth.login(who)
    assert auth.main.get(f"/admin/cycles/{cycle.id}/actuals").status_code == 403
    assert upload(auth.main, cycle.id, xlsx(GOOD)).status_code == 403
    client = api.as_user(who)
    resp = client.post(f"/cycles/{cycle.id}/actuals", json={"rows": [
        {"account": "a1", "indicator": "指标0", "value": 1, "source": "统计局"}]})
    assert resp.status_code == 403
    assert client.get(f"/cycles/{cycle.id}/actuals").status_code == 403
    _nothing_written()


def test_an_admin_imports_only_for_the_units_below_them(world, cycle, auth):
    """town_admin administers 西街社区: b1 yes; a1 (东街社区) is refused like an unknown
    account, and the file's good row is not imported either."""
    auth.login("town_admin")
    resp = upload(auth.main, cycle.id, xlsx(("b1", "", "指标0", 3, "", "", ""), GOOD))
    assert resp.status_code == 422
    assert "第 3 行：找不到账号为“a1”的考核对象" in resp.get_data(as_text=True)
    _nothing_written()
    resp = upload(auth.main, cycle.id, xlsx(("b1", "", "指标0", 3, "", "", "")))
    assert resp.status_code == 303
    page = auth.main.get(f"/admin/cycles/{cycle.id}/actuals").get_data(as_text=True)
    assert "b1" in page


def test_nothing_to_import_against_before_the_cycle_opens(world, create_cycle):
    ind.save_sheet(world.admin, None, sheet())
    cycle = create_cycle(open_now=False)
    with pytest.raises(Invalid) as err:
        import_actuals(cycle, world.admin, [{"line": 2, "account": "a1"}])
    assert err.value.code == "no_indicator_copy"


# --- the API -----------------------------------------------------------------------------

def test_api_imports_rows_all_or_none(world, cycle, api):
    client = api.as_user("admin")
    bad = client.post(f"/cycles/{cycle.id}/actuals", json={"source": "统计局", "rows": [
        {"account": "a1", "indicator": "指标0", "value": 12},
        {"account": "a1", "indicator": "指标1", "value": "12 户"}]})
    body = bad.get_json()
    assert bad.status_code == 422 and body["error"] == "rows_refused"
    assert body["rows"] == ["第 2 行：数值“12 户”不是数字"]
    _nothing_written()
    ok = client.post(f"/cycles/{cycle.id}/actuals", json={"source": "统计局", "rows": [
        {"account": "a1", "indicator": "指标0", "value": 12, "target": 10},
        {"account": "a2", "indicator": "指标1", "value": "3.5", "source": "督查室"}]})
    assert ok.status_code == 201, ok.get_json()
    assert ok.get_json()["created"] == 2 and ok.get_json()["via"] == "api"
    listed = client.get(f"/cycles/{cycle.id}/actuals").get_json()
    assert [(r["account"], r["item"], r["value"], r["source"]) for r in listed] == [
        ("a1", "指标0", 12.0, "统计局"), ("a2", "指标1", 3.5, "督查室")]


def test_api_lists_only_the_callers_cadres(world, cycle, api):
    import_actuals(cycle, world.admin, [
        {"line": 2, "account": "a1", "indicator": "指标0", "value": 1, "source": "统计局"},
        {"line": 3, "account": "b1", "indicator": "指标0", "value": 2, "source": "统计局"}])
    db.session.commit()
    listed = api.as_user("town_admin").get(f"/cycles/{cycle.id}/actuals").get_json()
    assert [r["account"] for r in listed] == ["b1"]


def test_a_report_saved_before_the_import_stops_asking(world, cycle, auth):
    a = assessment_of(world.a1)
    save_report(a, world.a1, {"indicators": [{"name": "指标0", "target": "1", "actual": "2"}]})
    db.session.commit()
    with pytest.raises(RowsRefused):
        import_actuals(cycle, world.admin, [{"line": 2, "account": "a1", "indicator": "指标9",
                                             "value": 1, "source": "统计局"}])
    db.session.rollback()
    import_actuals(cycle, world.admin, [{"line": 2, "account": "a1", "indicator": "指标0",
                                         "value": 1, "source": "统计局"}])
    db.session.commit()
    auth.login("a1")
    html = auth.main.get("/my").get_data(as_text=True)
    assert not re.search(r'<input[^>]* value="指标0"', html)


def test_no_figures_for_an_assessment_already_closed(world, cycle):
    from workflow_app.assessments.services import fire_event

    fire_event(assessment_of(world.a2), "exclude", world.admin, reason="调离本单位")
    db.session.commit()
    with pytest.raises(RowsRefused) as err:
        import_actuals(cycle, world.admin, [{"line": 2, "account": "a2", "indicator": "指标0",
                                             "value": 1, "source": "统计局"}])
    assert err.value.problems == ["第 2 行：“a2”本周期的考核已结束，不能再导入实绩"]

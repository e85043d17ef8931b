"""People administration pages: org tree, people with roles and supervisor links, the
import upload with its progress and per-row report; scope enforced on every action."""

from io import BytesIO

import pytest
from sqlalchemy import func, select

from tests.web.conftest import Auth
from workflow_app.extensions import db
from workflow_app.people.models import OrgUnit, User


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def fresh():
    def reload(model, ident):
        db.session.expire_all()
        return db.session.get(model, ident)
    return reload


def text(resp):
    return resp.get_data(as_text=True)


def test_tree_and_members(auth, world):
    admin = auth.user("admin")
    page = text(admin.get(f"/admin/people?unit={world.units['a'].id}"))
    assert "城关镇" in page and "西街社区" in page  # the whole tree
    assert f'id="person-{world.a1.id}"' in page and f'id="person-{world.b1.id}"' not in page
    own = text(auth.user("town_admin").get("/admin/people"))
    assert "西街社区" in own and "东街社区" not in own


@pytest.mark.parametrize(("who", "path", "status"), [
    ("a1", "/admin/people", 403),
    ("town_admin", "/admin/people?unit={a}", 403),
    ("town_admin", "/admin/people/users/{a1}", 403),
    ("audit", "/admin/people", 403),
])
def test_out_of_scope_pages(auth, world, who, path, status):
    url = path.format(a=world.units["a"].id, a1=world.a1.id)
    assert auth.user(who).get(url).status_code == status


def test_add_a_unit_and_a_person_with_roles_and_supervisor(auth, world):
    admin = auth.user("admin")
    a = world.units["a"].id
    resp = admin.post(f"/admin/people/units/{a}/children",
                      {"child-name": "第一网格", "child-category": "网格"})
    assert resp.status_code == 303
    grid = db.session.scalar(select(OrgUnit).where(OrgUnit.name == "第一网格"))
    assert grid.parent_id == a and grid.category == "网格"
    resp = admin.post(f"/admin/people/units/{grid.id}/people", {
        "new-username": "wang", "new-password": "password123", "new-display_name": "王芳",
        "new-roles": ["cadre", "rater"], "new-supervisor": str(world.sup_a.id),
        "new-phone": "13900000007"})
    assert resp.status_code == 303
    wang = db.session.scalar(select(User).where(User.username == "wang"))
    assert wang.roles == ["cadre", "rater"] and wang.supervisor_id == world.sup_a.id


@pytest.mark.parametrize(("data", "message"), [
    ({"new-username": "a1"}, "该名称已被占用。"),
    ({"new-password": "short"}, "至少需要 8 个字符"),
    ({"new-display_name": ""}, "此项为必填项。"),
])
def test_bad_people_are_explained(auth, world, data, message):
    form = {"new-username": "zhou", "new-password": "password123", "new-display_name": "周",
            "new-roles": ["cadre"], **data}
    resp = auth.user("admin").post(f"/admin/people/units/{world.units['a'].id}/people", form)
    assert resp.status_code == 422 and message in text(resp)
    assert db.session.scalar(select(User).where(User.username == "zhou")) is None


def test_change_roles_supervisor_and_disable(auth, world, fresh):
    admin = auth.user("admin")
    resp = admin.post(f"/admin/people/users/{world.a1.id}", {
        "display_name": "甲一", "roles": ["cadre", "committee"],
        "supervisor": str(world.sup_b.id), "email": "a1@example.test"})
    assert resp.status_code == 303
    a1 = fresh(User, world.a1.id)
    assert a1.roles == ["cadre", "committee"] and a1.supervisor_id == world.sup_b.id
    assert not a1.active and a1.display_name == "甲一"


def test_no_supervisor_loops_and_no_own_roles(auth, world):
    admin = auth.user("admin")
    loop = admin.post(f"/admin/people/users/{world.sup_a.id}", {
        "display_name": "sup_a", "roles": ["supervisor", "cadre"], "active": "y",
        "supervisor": str(world.a1.id)})  # a1 reports to sup_a
    assert loop.status_code == 422 and "形成循环" in text(loop)
    own = admin.post(f"/admin/people/users/{world.admin.id}", {
        "display_name": "admin", "roles": ["auditor"], "active": "y"})
    assert own.status_code == 422 and "不能修改自己的角色" in text(own)


# --- import -------------------------------------------------------------------------------

GOOD = "用户名,姓名,单位,角色,上级\nzhao,赵海燕,县委组织部/城关镇/南街社区,干部,sup_a\n" \
       "qian,钱国庆,县委组织部/城关镇/南街社区,书记,\n"
BAD = "用户名,姓名,单位,角色\nzhao,赵海燕,县委组织部/城关镇/南街社区,皇帝\n" \
      "a1,重名,县委组织部/城关镇,干部\n"


def upload(web, content, name="people.csv"):
    return web.post("/admin/people/import", {
        "file": (BytesIO(("\ufeff" + content).encode()), name)},
        content_type="multipart/form-data")


@pytest.fixture
def inline_import(app):
    app.config["PEOPLE_IMPORT_IN_BACKGROUND"] = False  # run in the request: no waiting


def counts():
    return (db.session.scalar(select(func.count(User.id))),
            db.session.scalar(select(func.count(OrgUnit.id))))


def test_import_page_imports_and_reports(auth, world, inline_import):
    admin = auth.user("admin")
    resp = upload(admin, GOOD)
    assert resp.status_code == 303
    page = text(admin.get(resp.headers["Location"]))
    assert "导入完成：新增 2 人，新建 1 个单位。" in page and "zhao" in page
    assert db.session.scalar(select(User).where(User.username == "qian")).roles == [
        "secretary"]


def test_an_import_with_errors_changes_nothing_and_lists_them(auth, world, inline_import):
    admin = auth.user("admin")
    before = counts()
    resp = upload(admin, BAD)
    page = text(admin.get(resp.headers["Location"]))
    assert "第 2 行: 角色 无法识别: 皇帝" in page and "第 3 行: 用户名 已存在" in page
    assert counts() == before
    report = admin.get(resp.headers["Location"] + "/report.csv")
    assert report.mimetype == "text/csv" and "皇帝" in report.get_data(as_text=True)


def test_import_progress_is_shown_while_running(app, auth, world, monkeypatch):
    """The worker reports every PROGRESS_EVERY rows; the page shows it and refreshes."""
    from workflow_app.people import import_jobs, importer

    monkeypatch.setattr(importer, "PROGRESS_EVERY", 1)
    seen = []
    real = import_jobs._progress

    def spy(job_id, stage, done, total):
        real(job_id, stage, done, total)
        if stage == "checking" and done == 1:
            seen.append(text(admin.get(f"/admin/people/import/{job_id}")))

    monkeypatch.setattr(import_jobs, "_progress", spy)
    app.config["PEOPLE_IMPORT_IN_BACKGROUND"] = False
    admin = auth.user("admin")
    upload(admin, GOOD)
    assert seen and "<progress max=\"2\" value=\"1\">" in seen[0]
    assert 'http-equiv="refresh"' in seen[0]


@pytest.mark.parametrize(("who", "status"), [("town_admin", 403), ("a1", 403)])
def test_only_top_level_admins_import(auth, world, inline_import, who, status):
    before = counts()
    assert upload(auth.user(who), GOOD).status_code == status
    assert counts() == before


def test_wrong_file_type_is_refused(auth, world, inline_import):
    resp = upload(auth.user("admin"), GOOD, name="people.doc")
    assert resp.status_code == 422 and "请选择 CSV（UTF-8 编码）或 XLSX 文件" in text(resp)

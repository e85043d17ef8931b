"""People administration pages: org tree, people with roles and supervisor links, the
import upload with its progress and per-row report; scope enforced on every action."""

import re
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


def sha_of(page):
    return re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)


def test_import_page_previews_then_imports_on_confirm(auth, world, inline_import):
    admin = auth.user("admin")
    before = counts()
    resp = upload(admin, GOOD)
    assert resp.status_code == 303
    job = resp.headers["Location"]
    page = text(admin.get(job))
    assert "预览：尚未导入任何数据。" in page and "新增 2 人，新建 1 个单位，错误 0 处。" in page
    assert "县委组织部/城关镇/南街社区" in page and "zhao" in page and "确认导入" in page
    assert counts() == before  # nothing written before the confirmation
    resp = admin.post(job + "/confirm", {"sha256": sha_of(page), "allow_new_units": "yes"})
    assert resp.status_code == 303
    page = text(admin.get(job))
    assert "导入完成：新增 2 人，新建 1 个单位。" in page and "zhao" in page
    assert db.session.scalar(select(User).where(User.username == "qian")).roles == [
        "secretary"]
    again = admin.post(job + "/confirm", {"sha256": "0" * 64, "allow_new_units": "yes"})
    assert again.status_code == 409 and counts() == (before[0] + 2, before[1] + 1)


TYPO = "用户名,姓名,单位\nwu,吴晓东,县委组织部/城关镇/东衔社区\n"  # 衔 for 街


def test_a_typo_is_a_new_unit_and_needs_the_tick(auth, world, inline_import):
    admin = auth.user("admin")
    before = counts()
    job = upload(admin, TYPO).headers["Location"]
    page = text(admin.get(job))
    assert 'id="new-units"' in page and "新建" in page and "县委组织部/城关镇/东衔社区" in page
    assert "允许新建单位" in page
    resp = admin.post(job + "/confirm", {"sha256": sha_of(page)})  # no tick
    assert resp.status_code == 422 and "允许新建单位" in text(resp)
    assert counts() == before
    assert admin.post(job + "/confirm", {"sha256": sha_of(page), "allow_new_units": "yes"}
                      ).status_code == 303
    assert db.session.scalar(select(OrgUnit).where(OrgUnit.name == "东衔社区")) is not None


def test_no_tick_needed_without_new_units(auth, world, inline_import):
    admin = auth.user("admin")
    job = upload(admin, "用户名,姓名,单位\nwu,吴晓东,县委组织部/城关镇/东街社区\n"
                 ).headers["Location"]
    page = text(admin.get(job))
    assert "允许新建单位" not in page
    assert admin.post(job + "/confirm", {"sha256": sha_of(page)}).status_code == 303
    assert db.session.scalar(select(User).where(User.username == "wu")) is not None


@pytest.mark.parametrize("tamper", ["file", "digest"])
def test_a_changed_file_is_refused(app, auth, world, inline_import, tamper):
    from pathlib import Path

    admin = auth.user("admin")
    before = counts()
    job = upload(admin, GOOD).headers["Location"]
    page = text(admin.get(job))
    digest = sha_of(page)
    if tamper == "file":  # the stored upload was replaced after the preview
        stored = Path(app.instance_path) / "imports" / (job.rsplit("/", 1)[1] + ".csv")
        stored.write_text(GOOD.replace("南街社区", "北街社区"), encoding="utf-8")
    else:
        digest = "f" * 64
    resp = admin.post(job + "/confirm", {"sha256": digest, "allow_new_units": "yes"})
    assert resp.status_code == 409 and "文件在预览之后被改动" in text(resp)
    assert counts() == before


def test_an_import_with_errors_changes_nothing_and_lists_them(auth, world, inline_import):
    admin = auth.user("admin")
    before = counts()
    resp = upload(admin, BAD)
    page = text(admin.get(resp.headers["Location"]))
    assert "第 2 行: 角色 无法识别: 皇帝" in page and "第 3 行: 用户名 已存在" in page
    assert "确认导入" not in page  # nothing to confirm
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

"""`flask import-people FILE`: CSV (with or without BOM) and XLSX; any bad row changes
nothing and is reported by its row number, in Chinese. A unit missing from the tree
(often a typo) is shown by --dry-run and created only with --create-units."""

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from workflow_app.audit.models import AuditEntry
from workflow_app.extensions import db
from workflow_app.people.importer import ImportFailed, import_file
from workflow_app.people.models import OrgUnit, User
from workflow_app.people.passwords import check_password

CN_HEADER = "序号,用户名,姓名,单位,类别,角色,上级,邮箱,手机,初始密码"
GOOD_ROWS = [
    "1,zhao,赵海燕,县委组织部/城关镇/南街社区,社区,书记、两委成员,,zhao@example.test,"
    "139 0000 0001,secret123",
    "2,qian,钱国庆,县委组织部/城关镇/南街社区,社区,干部,sun,,,",
    "3,sun,孙立新,县委组织部/城关镇,,上级领导,,,,longpassword",
    "4,li,李红梅,县委组织部 / 城关镇 / 南街社区 / 第一网格,网格,cadre,sup_a,,13900000004,"
    "password44",
]


def write_csv(path, header, rows, bom=True):
    text = "\n".join([header, *rows]) + "\n"
    path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
    return path


def user(username):
    return db.session.scalar(select(User).where(User.username == username))


def unit(name):
    return db.session.scalar(select(OrgUnit).where(OrgUnit.name == name))


def counts():
    return tuple(db.session.scalar(select(func.count()).select_from(model))
                 for model in (User, OrgUnit, AuditEntry))


def test_csv_with_bom_and_chinese_headers(world, runner, tmp_path):
    path = write_csv(tmp_path / "people.csv", CN_HEADER, GOOD_ROWS)
    result = runner.invoke(args=["import-people", str(path), "--create-units"])
    assert result.exit_code == 0, result.output
    assert "导入完成：新增 4 人，新建 2 个单位。" in result.output
    assert "已忽略的列：序号" in result.output

    zhao, qian, sun, li = (user(n) for n in ("zhao", "qian", "sun", "li"))
    assert zhao.roles == ["committee", "secretary"] and zhao.phone == "13900000001"
    assert zhao.display_name == "赵海燕" and zhao.email == "zhao@example.test"
    assert qian.supervisor_id == sun.id  # a supervisor further down the file
    assert li.supervisor_id == world.sup_a.id  # a supervisor already in the database
    street = unit("南街社区")
    assert street.parent_id == world.units["town"].id and street.category == "社区"
    assert unit("第一网格").parent_id == street.id and li.org_unit_id == unit("第一网格").id
    assert sun.org_unit_id == world.units["town"].id and sun.roles == ["supervisor"]
    assert check_password(zhao.password_hash, "secret123")

    # qian had no password: one was generated and reported.
    generated = [line.split() for line in result.output.splitlines()
                 if line.startswith("  qian")]
    assert generated and check_password(qian.password_hash, generated[0][1])


def test_csv_without_bom_english_headers_and_default_role(world, tmp_path):
    path = write_csv(tmp_path / "people.csv", "username,display_name,org_unit,roles",
                     ["wang,王建国,县委组织部/城关镇/东街社区,"], bom=False)
    assert "新增 1 人，新建 0 个单位" in import_file(path)
    assert user("wang").roles == ["cadre"]
    assert user("wang").org_unit_id == world.units["a"].id


def test_gbk_csv_from_excel_is_read(world, tmp_path):
    path = tmp_path / "people.csv"
    path.write_bytes("用户名,姓名,单位\nzhou,周振华,县委组织部/城关镇\n".encode("gbk"))
    import_file(path)
    assert user("zhou").display_name == "周振华"


def test_xlsx(world, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Username", "Name", "Org_Unit", "Category", "Roles", "Supervisor", "Phone"])
    sheet.append(["xu", "徐文博", "县委组织部/城关镇/北街社区", "社区", "cadre, committee", "sup_a",
                  13900000009])
    sheet.append([None, None, None, None, None, None, None])  # blank rows are fine
    sheet.append(["he", "何丹丹", "县委组织部/城关镇/北街社区", "", "干部", "xu", None])
    path = tmp_path / "people.xlsx"
    book.save(path)
    book.close()

    assert "新增 2 人，新建 1 个单位" in import_file(path, allow_new_units=True)
    db.session.commit()
    xu = user("xu")
    assert xu.roles == ["cadre", "committee"] and xu.phone == "13900000009"
    assert user("he").supervisor_id == xu.id
    assert unit("北街社区").category == "社区"


def test_one_bad_row_changes_nothing_and_is_reported_in_chinese(world, runner, tmp_path):
    rows = [GOOD_ROWS[0], "2,a1,重名者,县委组织部/城关镇/东街社区,,干部,,,,", GOOD_ROWS[2]]
    path = write_csv(tmp_path / "bad.csv", CN_HEADER, rows)
    before = counts()
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 1
    assert result.stderr.strip() == "第 3 行: 用户名 已存在"
    assert counts() == before
    assert user("zhao") is None and unit("南街社区") is None


def test_every_problem_is_reported_by_row(world, tmp_path):
    rows = [
        "1,ok1,甲,县委组织部/城关镇,,干部,,,,",
        "2,ok1,乙,县委组织部/城关镇,,队长,nobody,bad-mail,12ab,short",
        ",,,,,,,,,",  # blank row: ignored, though it keeps its number
        "4,self,丙,,,干部,self,,,",
        "5,new,丁,别的县/某镇,,干部,,,,",
    ]
    path = write_csv(tmp_path / "bad.csv", CN_HEADER, rows)
    before = counts()
    with pytest.raises(ImportFailed) as failed:
        import_file(path)
    assert failed.value.report == [
        "第 3 行: 角色 无法识别: 队长",
        "第 3 行: 邮箱 格式不正确: bad-mail",
        "第 3 行: 手机 格式不正确: 12ab",
        "第 3 行: 初始密码 至少 8 位",
        "第 3 行: 用户名 与第 2 行重复",
        "第 3 行: 上级 不存在: nobody",
        "第 5 行: 单位 不能为空",
        "第 5 行: 上级 不能是本人",
        "第 6 行: 单位 “别的县/某镇” 应以顶级单位开头（现有: 县委组织部）",
    ]
    assert counts() == before


@pytest.mark.parametrize(("name", "content", "message"), [
    ("people.csv", "姓名,单位\n张三,县委组织部\n", "表头: 缺少列“用户名”"),
    ("people.csv", "用户名,姓名,单位\n", "文件中没有数据行"),
    ("people.csv", "", "文件是空的：第 1 行应为表头"),
    ("people.xls", "x", "不支持的文件类型 .xls：请使用 CSV（UTF-8）或 XLSX"),
    ("people.xlsx", "not a workbook", "无法读取 XLSX 文件"),
])
def test_unreadable_files_are_explained(world, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ImportFailed) as failed:
        import_file(path)
    assert failed.value.report[0].startswith(message)


def test_large_files_show_progress_on_stderr(world, runner, tmp_path):
    rows = [f"{n},user{n:04d},姓名{n},县委组织部/城关镇/东街社区,,干部,,,,password{n:04d}"
            for n in range(1, 451)]
    path = write_csv(tmp_path / "many.csv", CN_HEADER, rows)
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0, result.output
    assert "检查 200/450" in result.stderr and "写入 400/450" in result.stderr
    assert "新增 450 人" in result.stdout


# --- preview: a typo in a unit path is a NEW unit, never created silently ---------------

TYPO_ROWS = ["1,wu,吴晓东,县委组织部/城关镇/东街社区,,干部,,,,password01",
             "2,zheng,郑丽,县委组织部/城关镇/东衔社区,,干部,,,,password02"]  # 衔 for 街


def test_dry_run_lists_the_typo_as_a_new_unit_and_writes_nothing(world, runner, tmp_path):
    path = write_csv(tmp_path / "typo.csv", CN_HEADER, TYPO_ROWS)
    before = counts()
    result = runner.invoke(args=["import-people", str(path), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "预览：新增 2 人，新建 1 个单位，错误 0 处（尚未写入任何数据）。" in result.output
    assert "新单位 县委组织部/城关镇/东衔社区（第 3 行）" in result.output
    assert "第 2 行 wu 吴晓东 → 县委组织部/城关镇/东街社区" in result.output
    assert counts() == before


def test_dry_run_shows_errors_and_fails(world, runner, tmp_path):
    path = write_csv(tmp_path / "bad.csv", CN_HEADER, ["1,a1,重名,县委组织部/城关镇,,干部,,,,"])
    result = runner.invoke(args=["import-people", str(path), "--dry-run"])
    assert result.exit_code == 1 and "第 2 行: 用户名 已存在" in result.output


@pytest.mark.parametrize(("args", "code", "created"), [
    ([], 1, False),                    # new units need --create-units
    (["--create-units"], 0, True),
])
def test_new_units_only_with_create_units(world, runner, tmp_path, args, code, created):
    path = write_csv(tmp_path / "typo.csv", CN_HEADER, TYPO_ROWS)
    before = counts()
    result = runner.invoke(args=["import-people", str(path), *args])
    assert result.exit_code == code, result.output
    assert (unit("东衔社区") is not None) is created
    if not created:
        assert "县委组织部/城关镇/东衔社区" in result.stderr and "--create-units" in result.stderr
        assert counts() == before and user("wu") is None


def test_an_import_that_creates_no_unit_needs_no_flag(world, runner, tmp_path):
    path = write_csv(tmp_path / "ok.csv", CN_HEADER, TYPO_ROWS[:1])
    result = runner.invoke(args=["import-people", str(path)])
    assert result.exit_code == 0 and "新增 1 人，新建 0 个单位" in result.output


def test_only_the_previewed_units_are_created(world, tmp_path):
    """A confirmed preview named other units than the file now needs: nothing is written."""
    path = write_csv(tmp_path / "typo.csv", CN_HEADER, TYPO_ROWS)
    before = counts()
    with pytest.raises(ImportFailed) as failed:
        import_file(path, allow_new_units=True, expected_new_units=["县委组织部/城关镇/别的"])
    assert "与预览时不一致" in failed.value.report[0]
    assert counts() == before

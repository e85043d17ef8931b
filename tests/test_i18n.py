"""Language choice: the web UI is Chinese first; API clients choose by Accept-Language;
the catalogue parts of every domain are merged into one catalogue per language."""

import pytest

from workflow_app import i18n


@pytest.mark.parametrize(("header", "expected"), [
    (None, "请先登录。"),
    ("en-US,en;q=0.9", "Please log in first."),
    ("zh-CN,zh;q=0.9,en;q=0.5", "请先登录。"),
    ("fr-FR", "请先登录。"),
])
def test_api_messages_follow_accept_language(client, world, header, expected):
    headers = {"Accept-Language": header} if header else {}
    resp = client.get("/api/v1/cycles/999999", headers=headers)
    assert resp.status_code == 401 and resp.get_json()["message"] == expected


def test_the_web_ui_stays_chinese_for_an_english_browser(client, world):
    page = client.get("/login", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    assert "登录" in page


def test_catalogue_parts_are_merged(app):
    from flask_babel import force_locale, gettext

    with force_locale("zh_CN"):
        assert gettext("standing in for %(name)s", name="张三") == "（代 张三 办理）"


def test_a_lost_script_alias_is_restored(tmp_path, monkeypatch):
    (tmp_path / "zh_CN").mkdir()
    (tmp_path / "zh_Hans_CN").write_text("zh_CN")  # what a checkout without symlinks leaves
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path)
    i18n.link_script_alias()
    assert (tmp_path / "zh_Hans_CN").is_symlink() and (tmp_path / "zh_Hans_CN").is_dir()

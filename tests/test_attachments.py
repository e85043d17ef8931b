"""Evidence attachments: type, content and size checks, storage outside the web root,
and downloads only for people who may see the assessment's details."""

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.factories import FULL_REPORT
from tests.web.conftest import Auth, report_form
from workflow_app.assessments import attachments
from workflow_app.assessments.models import Assessment, Attachment
from workflow_app.assessments.services import current_report, fire_event, save_report
from workflow_app.extensions import db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 40
ZIP = b"PK\x03\x04" + b"\x00" * 40
EXE = b"MZ\x90\x00" + b"\x00" * 40


@pytest.mark.parametrize(("name", "head", "expected"), [
    ("台账.pdf", PDF, ("application/pdf", None)),
    ("photo.JPG", b"\xff\xd8\xff\xe0" + b"\x00" * 12, ("image/jpeg", None)),
    ("scan.png", PNG, ("image/png", None)),
    ("a.gif", b"GIF89a" + b"\x00" * 10, ("image/gif", None)),
    ("a.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", ("image/webp", None)),
    ("a.webp", b"RIFF\x00\x00\x00\x00WAVEfmt ", (None, "content")),
    ("总结.doc", OLE, ("application/msword", None)),
    ("总结.docx", ZIP, (attachments.SIGNATURES["docx"][0], None)),
    ("表.et", OLE, ("application/vnd.ms-excel", None)),
    ("文.wps", ZIP, ("application/vnd.ms-works", None)),
    ("renamed.pdf", EXE, (None, "content")),
    ("virus.exe", EXE, (None, "type")),
    ("page.html", b"<html>", (None, "type")),
    ("noext", PDF, (None, "type")),
])
def test_type_is_checked_by_extension_and_content(name, head, expected):
    assert attachments.kind_of(name, head[:16]) == expected


@pytest.fixture
def auth(app, client):
    return Auth(app, client)


@pytest.fixture
def fresh():
    def reload(model, ident):
        db.session.expire_all()
        return db.session.get(model, ident)
    return reload


@pytest.fixture
def uploads(app, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    return tmp_path / "uploads"


@pytest.fixture
def drafting(world, create_cycle, uploads):
    create_cycle()
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))


def _upload(web, a, data, name, **fields):
    form = report_form(a.id, "upload", **fields)
    form["evidence"] = (io.BytesIO(data), name)
    return web.post("/my", form, content_type="multipart/form-data")


def _files(a):
    return db.session.scalars(select(Attachment).where(Attachment.assessment_id == a.id)).all()


def test_upload_stores_outside_the_web_root_and_lists_it(auth, world, drafting, uploads):
    web = auth.user("a1")
    resp = _upload(web, drafting, PDF, "../../etc/入户台账.pdf", key_work="先保存的文字")
    assert resp.status_code == 302
    page = web.get(resp.headers["Location"]).get_data(as_text=True)
    assert "已添加文件：入户台账.pdf。" in page and "入户台账.pdf</a>" in page
    item = _files(drafting)[0]
    stored = uploads / item.storage_key[:2] / item.storage_key
    assert stored.read_bytes() == PDF and item.filename == "入户台账.pdf"
    assert (item.size, item.content_type, item.report_revision) == (len(PDF), "application/pdf", 1)
    static = Path(web.client.application.static_folder).resolve()
    assert static not in stored.resolve().parents
    assert current_report(drafting).content["key_work"] == "先保存的文字"  # draft saved too


@pytest.mark.parametrize(("data", "name", "message"), [
    (EXE, "virus.exe", "不接受此类文件。"),
    (EXE, "renamed.pdf", "文件内容与文件类型不符"),
    (b"", "empty.pdf", "文件是空的。"),
    (PDF + b"0" * 2000, "big.pdf", "文件过大：不能超过 10 MB。"),
])
def test_bad_files_are_refused_and_the_text_is_kept(auth, app, world, drafting, data, name,
                                                    message):
    app.config["ATTACHMENT_MAX_BYTES"] = 1000
    resp = _upload(auth.user("a1"), drafting, data, name, key_work="这段文字不能丢")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in html and 'id="evidence-error"' in html and "这段文字不能丢" in html
    assert _files(drafting) == []
    assert current_report(drafting).content["key_work"] == "这段文字不能丢"


def test_a_request_over_the_limit_is_refused_in_chinese(auth, app, world, drafting):
    """Elsewhere a body over the request limit gets the 413 page in Chinese."""
    web = auth.user("a1")
    app.config["MAX_CONTENT_LENGTH"] = 5000
    resp = web.post("/logout", {"filler": "0" * 10000})
    assert resp.status_code == 413
    assert "单个文件不能超过 10 MB" in resp.get_data(as_text=True)


def test_a_file_over_the_limit_without_script_keeps_the_typed_text(auth, app, drafting):
    """The report form is read past the request limit (issue 11, item 8): the draft is
    saved and the file refused next to its field, instead of a bare 413 losing the text."""
    web = auth.user("a1")
    app.config.update(MAX_CONTENT_LENGTH=5000, ATTACHMENT_MAX_BYTES=4000)
    resp = _upload(web, drafting, PDF + b"0" * 10000, "huge.pdf", key_work="刚打的字，还没保存")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "草稿已保存，但文件未被接受。" in html and "文件过大" in html
    assert "刚打的字，还没保存" in html
    db.session.expire_all()
    assert current_report(drafting).content["key_work"] == "刚打的字，还没保存"
    assert _files(drafting) == []


def _with_file(auth, drafting):
    _upload(auth.user("a1"), drafting, PDF, "台账.pdf")
    return _files(drafting)[0]


@pytest.mark.parametrize(("who", "status"), [
    ("a1", 200), ("sup_a", 200), ("com_a1", 200), ("audit", 200), ("admin", 200),
    ("a2", 403),        # a colleague of the same unit, before publication
    ("b1", 403),        # a cadre of another unit editing the URL
    ("sup_b", 403), ("com_b", 403), ("town_admin", 403),
])
def test_download_only_for_those_who_see_the_report(auth, world, drafting, who, status):
    item = _with_file(auth, drafting)
    resp = auth.user(who).get(f"/assessments/{drafting.id}/files/{item.id}")
    body = resp.data
    resp.close()  # releases the served file
    assert resp.status_code == status
    if status == 200:
        assert body == PDF
        assert resp.headers["Content-Disposition"].startswith("attachment")
        assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_a_file_id_under_another_assessment_is_404(auth, world, drafting):
    item = _with_file(auth, drafting)
    other = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.b1.id))
    assert auth.user("audit").get(f"/assessments/{other}/files/{item.id}").status_code == 404
    assert auth.user("a1").get(f"/assessments/{drafting.id}/files/99999").status_code == 404


def test_only_the_cadre_withdraws_and_only_while_drafting(auth, world, drafting, fresh):
    item = _with_file(auth, drafting)
    url = f"/assessments/{drafting.id}/files/{item.id}/withdraw"
    assert auth.user("sup_a").post(url).status_code == 403
    assert auth.user("b1").post(url).status_code == 403
    assert auth.user("a1").post(url).status_code == 303
    assert fresh(Attachment, item.id).removed_at is not None
    kept = auth.user("a1").get(f"/assessments/{drafting.id}/files/{item.id}")
    kept.close()
    assert kept.status_code == 200  # withdrawn evidence stays on record


def test_no_upload_after_submitting(auth, world, drafting):
    save_report(drafting, world.a1, FULL_REPORT)
    fire_event(drafting, "submit", world.a1)
    db.session.commit()
    with pytest.raises(Exception) as refused:
        attachments.add(drafting, world.a1, "x.pdf", PDF)
    assert type(refused.value).__name__ == "NotAllowed"
    page = auth.user("a1").get(f"/assessments/{drafting.id}").get_data(as_text=True)
    assert 'name="evidence"' not in page

"""Evidence storage is bounded (issue 9, item 14): per report counting withdrawn files,
per uploader a day, and withdrawn files leave the disk once the result is filed."""

import io
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.test_disputes import _dispute, published  # noqa: F401, F811  (fixture)
from tests.web.conftest import report_form
from workflow_app.assessments import attachments
from workflow_app.assessments.models import Assessment, Attachment, Objection
from workflow_app.errors import Invalid
from workflow_app.extensions import db
from workflow_app.scheduler import jobs

PDF = b"%PDF-1.4\n" + b"x" * 1000


@pytest.fixture
def drafting(app, world, create_cycle, tmp_path):
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    create_cycle()
    return db.session.scalar(select(Assessment).where(Assessment.cadre_id == world.a1.id))


def _add(a, user, now=None):
    item = attachments.add(a, user, "台账.pdf", PDF, now=now)
    db.session.commit()
    return item


def _withdraw(a, user, item):
    attachments.remove(a, user, item.id)
    db.session.commit()


@pytest.mark.parametrize(("setting", "value", "code"), [
    ("EVIDENCE_REPORT_MAX_FILES", 3, "report_quota"),
    ("EVIDENCE_REPORT_MAX_BYTES", 3 * len(PDF), "report_quota"),
    ("EVIDENCE_USER_DAY_MAX_FILES", 3, "daily_quota"),
    ("EVIDENCE_USER_DAY_MAX_BYTES", 3 * len(PDF), "daily_quota"),
])
def test_withdrawing_does_not_make_room(app, world, drafting, setting, value, code):
    app.config[setting] = value
    for _ in range(3):
        _withdraw(drafting, world.a1, _add(drafting, world.a1))
    assert attachments.current(drafting) == []
    with pytest.raises(Invalid) as caught:
        _add(drafting, world.a1)
    assert caught.value.fields == {"file": code}


def test_the_daily_quota_frees_up_after_24_hours(app, world, drafting, clock):
    app.config["EVIDENCE_USER_DAY_MAX_FILES"] = 2
    _add(drafting, world.a1, now=clock.now)
    _add(drafting, world.a1, now=clock.now)
    with pytest.raises(Invalid):
        _add(drafting, world.a1, now=clock.now)
    clock.advance(hours=25)
    _add(drafting, world.a1, now=clock.now)


def test_the_web_form_says_why_and_keeps_the_text(app, auth, world, drafting):
    app.config["EVIDENCE_REPORT_MAX_FILES"] = 1
    _withdraw(drafting, world.a1, _add(drafting, world.a1))
    form = report_form(drafting.id, "upload", key_work="今年完成了三件大事")
    form["evidence"] = (io.BytesIO(PDF), "台账.pdf")
    resp = auth.user("a1").post("/my", form, content_type="multipart/form-data")
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert "已达到存储上限" in page and "今年完成了三件大事" in page


def _path(item):
    return attachments.upload_folder() / item.storage_key[:2] / item.storage_key


def test_withdrawn_files_leave_the_disk_once_the_result_is_filed(world, drafting, clock):
    kept, withdrawn = _add(drafting, world.a1), _add(drafting, world.a1)
    _withdraw(drafting, world.a1, withdrawn)
    assert jobs.JOBS_BY_ID["purge_withdrawn_evidence"].func(clock.now) == 0  # not filed yet
    assert _path(withdrawn).exists()
    db.session.execute(update(Assessment).where(Assessment.id == drafting.id)
                       .values(state="final"))
    db.session.commit()
    assert jobs.JOBS_BY_ID["purge_withdrawn_evidence"].func(clock.now) == 1
    db.session.commit()
    assert not _path(withdrawn).exists() and _path(kept).exists()
    assert db.session.get(Attachment, withdrawn.id).purged_at is not None
    assert jobs.JOBS_BY_ID["purge_withdrawn_evidence"].func(clock.now + timedelta(days=1)) == 0


def test_objection_evidence_counts_too(app, auth, published):  # noqa: F811
    app.config["EVIDENCE_USER_DAY_MAX_FILES"] = 1
    _cycle, ids = published
    resp = _dispute(auth.user("a1"), ids["a1"], reason="分数偏低",
                    files=[("1.pdf", PDF), ("2.pdf", PDF)])
    html = resp.get_data(as_text=True)
    assert resp.status_code == 422 and "24 小时内上传的文件已达上限" in html
    assert "分数偏低</textarea>" in html
    assert db.session.scalar(select(Objection.id)) is None

"""`flask demo-clock`: the demo moves time forward so a quarter can be finished in one
sitting; only in the demo, audited, and announced on every page."""

from datetime import UTC, datetime, timedelta

import pytest

from config import TestConfig
from tests.conftest import Clock, _config
from tests.factories import FULL_REPORT, exclude_unfinished
from tests.test_scheduler import assessment_of
from workflow_app import create_app
from workflow_app.assessments.services import fire_event, save_report
from workflow_app.audit.services import history
from workflow_app.clock import DemoClock, as_utc, utcnow
from workflow_app.cycles.confirmations import publishing
from workflow_app.demo_clock import OFFSET_FILE, parse_span
from workflow_app.extensions import db
from workflow_app.scheduler.runner import JOBS_BY_ID, run_job
from workflow_app.scoring.services import grade_cycle, publish_cycle
from workflow_app.workcalendar import LOCAL_TZ

DAY = 86400


@pytest.fixture
def offset_file(tmp_path):
    return tmp_path / OFFSET_FILE


@pytest.fixture
def clock():
    """Cycles are set up around the real time: the demo clock is the wall clock."""
    real = Clock()
    real.set(datetime.now(UTC))
    return real


@pytest.fixture
def app(db_url, offset_file):
    """The demo: KAOHE_DEMO with its file-backed clock, installed here explicitly."""
    class Demo(_config(db_url, None)):
        KAOHE_DEMO = True
        CLOCK = DemoClock(offset_file)
    app = create_app(Demo)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def demo_clock(runner, *args):
    result = runner.invoke(args=["demo-clock", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_advance_writes_plain_seconds_and_moves_now(app, runner, offset_file):
    before = utcnow()
    output = demo_clock(runner, "--advance", "2d")
    assert offset_file.read_text().strip() == str(2 * DAY)
    assert "2 天" in output and str(2 * DAY) in output
    assert utcnow() - before >= timedelta(days=2)
    demo_clock(runner, "--advance", "6h")
    assert int(offset_file.read_text()) == 2 * DAY + 6 * 3600
    demo_clock(runner, "--reset")
    assert not offset_file.exists()
    assert abs(utcnow() - datetime.now(UTC)) < timedelta(minutes=1)


def test_another_process_sees_each_change_without_restart(app, runner, offset_file):
    """The web process and its calendar hold their own DemoClock on the same file."""
    other = DemoClock(offset_file)
    assert other.offset_seconds() == 0
    for span, total in (("1d", DAY), ("1d", 2 * DAY), ("1d", 3 * DAY)):  # same length
        demo_clock(runner, "--advance", span)
        assert other.offset_seconds() == total
        assert other() - datetime.now(UTC) > timedelta(seconds=total - 60)
    demo_clock(runner, "--reset")
    assert other.offset_seconds() == 0


@pytest.mark.parametrize("text, seconds", [("2d", 2 * DAY), ("6h", 21600), ("30m", 1800),
                                           ("1d12h", DAY + 43200), (" 2D ", 2 * DAY)])
def test_spans(text, seconds):
    assert parse_span(text) == seconds


@pytest.mark.parametrize("text", ["", "0d", "-2d", "2", "2 days", "d", "2w"])
def test_bad_spans_change_nothing(app, runner, offset_file, text):
    result = runner.invoke(args=["demo-clock", "--advance", text])
    assert result.exit_code != 0
    assert not offset_file.exists()
    assert not history("demo_clock", 0)


def test_every_change_is_in_the_audit_log(app, runner):
    demo_clock(runner, "--advance", "2d")
    demo_clock(runner, "--reset")
    entries = history("demo_clock", 0)
    assert [e.action for e in entries] == ["demo_clock_advanced", "demo_clock_reset"]
    assert entries[0].data["offset_seconds"] == 2 * DAY
    assert entries[0].data["previous_offset_seconds"] == 0
    assert entries[1].data["previous_offset_seconds"] == 2 * DAY
    assert "audit log intact" in runner.invoke(args=["verify-audit"]).output


@pytest.mark.parametrize("demo, injected", [(False, None), (True, Clock())],
                         ids=["not-the-demo", "test-clock-injected"])
def test_refused_outside_the_demo(db_url, demo, injected):
    class Cfg(TestConfig):
        SQLALCHEMY_DATABASE_URI = db_url
        KAOHE_DEMO = demo
        CLOCK = injected
    app = create_app(Cfg)
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["demo-clock", "--advance", "2d"])
        assert result.exit_code == 1
        assert "only in the demo" in result.output
        assert not history("demo_clock", 0)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("demo, installed", [(False, False), (True, True)])
def test_only_the_demo_installs_it(demo, installed):
    class Cfg(TestConfig):
        KAOHE_DEMO = demo
        CLOCK = None
    app = create_app(Cfg)
    assert isinstance(app.config["CLOCK"], DemoClock) is installed


def test_banner_on_every_page_only_while_time_is_moved(app, runner, client):
    assert "演示时间" not in client.get("/login").get_data(as_text=True)
    demo_clock(runner, "--advance", "2d")
    page = client.get("/login").get_data(as_text=True)
    demo_now = utcnow().astimezone(LOCAL_TZ)
    assert f"演示时间：{demo_now:%Y-%m-%d}" in page
    assert "已快进 2 天" in page
    demo_clock(runner, "--reset")
    assert "演示时间" not in client.get("/login").get_data(as_text=True)


def published_for_zero_days(world, create_cycle):
    cycle = create_cycle(publicity_days=0)
    a = assessment_of(cycle, world.a1)
    save_report(a, world.a1, FULL_REPORT)
    fire_event(a, "submit", world.a1)
    fire_event(a, "approve", world.sup_a, score=88)
    fire_event(a, "approve", world.com_a1, score=92)
    fire_event(a, "approve", world.sec_a)
    grade_cycle(cycle, world.admin)
    exclude_unfinished(cycle, world.admin)
    publish_cycle(cycle, world.admin)
    db.session.commit()
    return cycle, a


def finalize_as_the_calendar_does():
    """What the in-process calendar runs every ten minutes: its `now` is the clock's."""
    return run_job(JOBS_BY_ID["finalize_due"], utcnow())


@pytest.fixture
def auth(app, client):
    from tests.web.conftest import Auth

    return Auth(app, client)


def cycle_status(admin, cycle):
    html = admin.get("/admin/cycles").get_data(as_text=True)
    section = html[html.index(f'id="cycle-{cycle.id}"'):]
    return section[section.index('class="cycle-status">') + 21:section.index("</dd>")]


def test_advancing_ends_publication_and_the_calendar_files(world, create_cycle, runner,
                                                           auth):
    cycle, a = published_for_zero_days(world, create_cycle)
    admin = auth.user("admin")
    assert cycle_status(admin, cycle) == "公示中"
    assert finalize_as_the_calendar_does() == "finalize_due: 0"
    assert a.state == "published"

    demo_clock(runner, "--advance", "1d")
    assert utcnow() > as_utc(cycle.publication_ends_at)
    assert cycle_status(admin, cycle) == "公示期满，待备案"  # the same login, no restart
    assert finalize_as_the_calendar_does() == "finalize_due: 1"
    db.session.refresh(a)
    assert a.state == "final"
    assert cycle_status(admin, cycle) == "已全部备案，可归档"


def test_publishing_for_zero_days_says_until_midnight(app, world, create_cycle):
    cycle = create_cycle(publicity_days=0)
    with app.test_request_context():
        line = publishing(cycle)[0]
    today = utcnow().astimezone(LOCAL_TZ)
    assert f"公示至当日 24 时（{today:%Y-%m-%d} 24:00）" in line
    assert "工作日" not in line

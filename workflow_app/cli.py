"""Command groups (DESIGN.md §7): `flask --app workflow_app <command>`."""

import sys
from datetime import datetime

import click
from flask_migrate import upgrade

from workflow_app.extensions import db
from workflow_app.workcalendar import LOCAL_TZ

# Progress lines of `import-people` on stderr, in the report's language.
IMPORT_STAGES = {"checking": "检查", "writing": "写入"}


def init_app(app):
    for command in (init_db, create_admin, seed_demo, scheduler, dispatcher, import_people,
                    verify_audit, demo_clock, backup, restore):
        app.cli.add_command(command)


@click.command("init-db")
def init_db():
    """Create or upgrade the schema by applying every migration."""
    upgrade(revision="heads")
    click.echo("database schema is up to date")


@click.command("create-admin")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--unit", "unit_name", default="组织部", show_default=True,
              help="Name of the root org unit, created when there is none.")
def create_admin(username, password, unit_name):
    """Create an org_admin over the root of the org tree."""
    from workflow_app.errors import Invalid
    from workflow_app.people.bootstrap import ensure_admin

    try:
        user = ensure_admin(username, password, unit_name)
    except Invalid as exc:
        db.session.rollback()
        raise click.ClickException(f"invalid: {exc.fields}") from None
    db.session.commit()
    click.echo(f"org_admin {user.username} (id {user.id}) over {user.org_unit.name}")


@click.command("seed-demo")
def seed_demo():
    """Load the demo county: org tree, people in every role, an open cycle."""
    from workflow_app.demo import seed

    logins = seed()
    for line in logins:
        click.echo(line)


def _parse_now(value):
    """ISO time; without a zone it is Beijing time, as people type it."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {value!r}", param_hint="--now") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=LOCAL_TZ)


@click.command("scheduler")
@click.option("--run-once", is_flag=True, help="Run every job due at --now, then exit.")
@click.option("--now", "now_text", help="ISO time to act as now (default: the clock).")
@click.option("--list", "list_jobs", is_flag=True, help="Print the job list and exit.")
def scheduler(run_once, now_text, list_jobs):
    """Run the calendar: open windows, remind, close, escalate, finalize."""
    from workflow_app.scheduler import runner

    if list_jobs:
        for job in runner.JOBS:
            args = " ".join(f"{k}={v}" for k, v in job.trigger_args.items())
            click.echo(f"{job.id}\t{job.trigger} {args}\t{job.description}")
        return
    now = _parse_now(now_text)
    if run_once:
        lines = runner.run_once(now)
        for line in lines:
            click.echo(line)
        if any(line.split(": ", 1)[-1].startswith("failed") for line in lines):
            sys.exit(1)
    else:
        runner.run_forever()


@click.command("dispatcher")
@click.option("--run-once", is_flag=True, help="Deliver everything due, then exit.")
@click.option("--now", "now_text", help="ISO time to act as now (with --run-once).")
def dispatcher(run_once, now_text):
    """Deliver the notification outbox (email, SMS, in-app)."""
    from workflow_app.notifications import dispatcher as outbox

    if run_once:
        click.echo(outbox.drain(_parse_now(now_text)))
    else:
        outbox.run_forever()


@click.command("import-people")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Only print what would be imported.")
@click.option("--create-units", is_flag=True,
              help="Allow creating the units the file names that do not exist yet.")
def import_people(file, dry_run, create_units):
    """Import org units and people from CSV or XLSX; any error changes nothing.

    A unit missing from the tree (often a typo) is created only with --create-units;
    --dry-run prints the preview (new units, new people, errors) and writes nothing."""
    from workflow_app.people.importer import ImportFailed, import_file, preview_file

    def progress(stage, done, total):
        if stage != "done":
            click.echo(f"{IMPORT_STAGES.get(stage, stage)} {done}/{total}", err=True)

    try:
        if dry_run:
            plan = preview_file(file, progress=progress)
            click.echo("\n".join(plan.lines()))
            sys.exit(1 if plan.errors else 0)
        result = import_file(file, progress=progress, allow_new_units=create_units)
    except ImportFailed as exc:
        db.session.rollback()
        for line in exc.report:
            click.echo(line, err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(result)


@click.command("verify-audit")
def verify_audit():
    """Check every audit chain and its head; exit 1 naming the first broken entry of
    each broken chain."""
    from workflow_app.audit.verify import verify_chains

    problems = verify_chains()
    for problem in problems:
        click.echo(f"BROKEN: {problem}", err=True)
    if problems:
        sys.exit(1)
    click.echo("audit log intact")


@click.command("demo-clock")
@click.option("--advance", "span", help="Move demo time forward: 2d, 6h, 1d12h, 30m.")
@click.option("--show", is_flag=True, help="Print demo time and the offset.")
@click.option("--reset", is_flag=True, help="Back to the real clock.")
def demo_clock(span, show, reset):
    """The demo only: move time forward so a quarter can be finished in one sitting."""
    from flask import current_app

    from workflow_app import demo_clock as demo

    try:
        clock = demo.demo_clock(current_app)
    except demo.NotTheDemo as exc:
        raise click.ClickException(str(exc)) from None
    if span is not None and reset:
        raise click.UsageError("--advance and --reset do not go together")
    if span is not None or reset:
        _change_demo_clock(demo, clock, span)
    _show_demo_clock(demo, clock)


def _change_demo_clock(demo, clock, span):
    if span is None:
        offset = demo.reset_clock(clock)
    else:
        try:
            seconds = demo.parse_span(span)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--advance") from None
        offset = demo.advance_clock(clock, seconds)
    db.session.commit()  # audited first: the file changes only once the entry is stored
    clock.write_offset(offset)


def _show_demo_clock(demo, clock):
    now = clock().astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M")
    seconds = clock.offset_seconds()
    moved = f" (moved forward by {demo.span_text(seconds)})" if seconds else " (real time)"
    click.echo(f"demo time {now} Beijing time{moved}; offset {seconds} s in {clock.path}")


@click.command("backup")
@click.option("--output", required=True, type=click.Path(dir_okay=False),
              help="The backup file to write (mode 0600, renamed into place when whole).")
def backup(output):
    """Back up the database into one file: SQLite online backup, PostgreSQL pg_dump -Fc."""
    from workflow_app.operations.backup import backup_database

    _operate(backup_database, output)


@click.command("restore")
@click.option("--input", "input_path", required=True, type=click.Path(dir_okay=False),
              help="A file written by `backup`.")
def restore(input_path):
    """Restore a backup into an EMPTY database (anything else is refused, untouched)."""
    from workflow_app.operations.restore import restore_database

    db.session.remove()  # no pooled connection of ours sees the database being replaced
    db.engine.dispose()
    _operate(restore_database, input_path)


def _operate(action, path):
    from flask import current_app

    from workflow_app.operations.backup import BackupError

    try:
        click.echo(action(current_app.config["SQLALCHEMY_DATABASE_URI"], path))
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None

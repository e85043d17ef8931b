"""create_app(config_class): the application factory."""

from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from config import INSTANCE_DIR, config_from_env, settle_public_base_url, settle_secret_key
from workflow_app import sqlite_engine  # SQLite connection settings (listeners)
from workflow_app.extensions import babel, csrf, db, login_manager, migrate

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_class=None):
    app = Flask(__name__, template_folder=str(ROOT / "templates"),
                instance_path=str(INSTANCE_DIR))
    app.config.from_object(config_class or config_from_env())
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    settle_secret_key(app.config, app.instance_path)  # refuses to start with a weak key
    settle_public_base_url(app.config)  # refuses a malformed PUBLIC_BASE_URL
    from workflow_app.notifications.sms_providers import settle_sms

    settle_sms(app.config)  # refuses an SMS provider without credentials or templates
    from workflow_app.audit import keys as audit_keys

    audit_keys.init_app(app)  # refuses to start without AUDIT_KEY outside the demo
    from workflow_app import demo_clock

    demo_clock.init_app(app)  # the demo's movable clock (KAOHE_DEMO=1 only)
    _init_extensions(app)
    from workflow_app.security import inputs  # before the routes: their `int` converter

    inputs.init_app(app)
    _register_blueprints(app)
    from workflow_app import cli, web_errors
    from workflow_app.security import headers

    cli.init_app(app)
    web_errors.init_app(app)
    headers.init_app(app)  # CSP, frame denial, nosniff, Referrer-Policy, HSTS over TLS
    from workflow_app.operations import health, logs, metrics

    for part in (logs, health, metrics):  # request ids and logs, /healthz /readyz, /metrics
        part.init_app(app)
    return app


def _init_extensions(app):
    from workflow_app import i18n, models  # noqa: F401  (registers every mapper)
    from workflow_app.auth import loader

    if sqlite_engine.is_sqlite_url(app.config["SQLALCHEMY_DATABASE_URI"]):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = sqlite_engine.engine_options(
            app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}))
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    loader.init_app(app)
    i18n.init_app(app, babel)
    from workflow_app.assessments import fanout

    fanout.init_app(app)  # notices of a request's transitions, right after its commit


def _register_blueprints(app):
    from workflow_app.api import bp as api_bp
    from workflow_app.assessments.views import bp as assessments_bp
    from workflow_app.auth.views import bp as auth_bp
    from workflow_app.cycles.setup_views import bp as cycle_setup_bp
    from workflow_app.cycles.views import bp as cycles_bp
    from workflow_app.scoring.views import bp as results_bp

    app.register_blueprint(api_bp, url_prefix="/api/v1")
    # The API authenticates with bearer tokens, not cookies, so CSRF does not apply.
    csrf.exempt(api_bp)
    for bp in (auth_bp, assessments_bp, cycles_bp, cycle_setup_bp, results_bp):
        app.register_blueprint(bp)
    from workflow_app.surveys.views import register_views as register_rating_and_survey_views

    register_rating_and_survey_views(app)
    from workflow_app.cycles.indicator_views import bp as indicators_bp  # 考核指标
    from workflow_app.cycles.linkage_panels import bp as linkage_bp  # 分工 / 连带 / 权重

    app.register_blueprint(indicators_bp)
    from workflow_app.cycles.actuals_views import bp as actuals_bp  # 数据同源

    app.register_blueprint(actuals_bp)
    app.register_blueprint(linkage_bp)
    from workflow_app.scoring.disputes_views import bp as disputes_bp
    from workflow_app.scoring.grading_views import bp as grading_bp

    for bp in (grading_bp, disputes_bp):
        app.register_blueprint(bp)
    from workflow_app.people.team_views import bp as teams_bp  # 班子

    app.register_blueprint(teams_bp)
    from workflow_app.followups.views import bp as followups_bp  # 末位 → 民主生活会 / 谈话

    app.register_blueprint(followups_bp)
    from workflow_app.audit.views import bp as audit_bp  # the auditor's pages

    app.register_blueprint(audit_bp)
    _register_issue4_blueprints(app)
    from workflow_app.records.views import bp as records_bp  # 实绩档案

    app.register_blueprint(records_bp)
    from workflow_app.showcase.views import bp as showcase_bp  # 业绩晾晒

    app.register_blueprint(showcase_bp)
    from workflow_app import sso  # single sign-on: checks its settings, adds /sso/*

    sso.init_app(app)


def _register_issue4_blueprints(app):
    """Notifications, people and calendar administration."""
    from workflow_app.notifications.views import bp as notifications_bp
    from workflow_app.people.admin_views import bp as people_admin_bp
    from workflow_app.people.calendar_views import bp as calendar_bp
    from workflow_app.people.import_views import bp as people_import_bp
    from workflow_app.people.substitute_views import bp as substitutes_bp

    for bp in (notifications_bp, substitutes_bp, calendar_bp, people_admin_bp,
               people_import_bp):
        app.register_blueprint(bp)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_queued_keys(session):
    session.info.pop("queued_dedup_keys", None)

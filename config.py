"""Configuration classes, read from the environment (DESIGN.md §6 contract)."""

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url():
    url = os.environ.get("DATABASE_URL")
    if not url:
        return f"sqlite:///{INSTANCE_DIR / 'kaohe.sqlite'}"
    # Heroku-style URLs name the old driver; Kaohe speaks psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # The audit log's MAC key (workflow_app/audit/keys.py); never stored in the database.
    AUDIT_KEY = os.environ.get("AUDIT_KEY", "")
    # Behind one reverse proxy: trust its X-Forwarded-* (HSTS, secure cookies see TLS).
    TRUST_PROXY_HEADERS = _bool("TRUST_PROXY_HEADERS", False)
    SQLALCHEMY_DATABASE_URI = _database_url()
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    WTF_CSRF_TIME_LIMIT = 8 * 3600

    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")

    SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = _bool("SMTP_STARTTLS", False)
    MAIL_FROM = os.environ.get("MAIL_FROM", "kaohe@localhost")
    SMS_GATEWAY_URL = os.environ.get("SMS_GATEWAY_URL", "")
    SMTP_TIMEOUT = int(os.environ.get("SMTP_TIMEOUT", "15"))
    # SMS waits outside these Beijing-time hours (start, end); empty turns it off.
    SMS_QUIET_HOURS = (22, 8)
    # Absolute links in emails and SMS.
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 15 * 60
    API_TOKEN_HOURS = 12
    # The calendar (scheduler/policy.py): reminder days before the submit deadline (0: on
    # the day), default working days per review stage, escalation after the SLA, and
    # calendar days of grace before a window closes.
    SUBMIT_REMINDER_DAYS = tuple(int(d) for d in os.environ.get(
        "SUBMIT_REMINDER_DAYS", "7,3,1,0").split(",") if d.strip())
    REVIEW_SLA_WORKING_DAYS = int(os.environ.get("REVIEW_SLA_WORKING_DAYS", "3"))
    ESCALATE_AFTER_WORKING_DAYS = int(os.environ.get("ESCALATE_AFTER_WORKING_DAYS", "2"))
    CYCLE_CLOSE_GRACE_DAYS = int(os.environ.get("CYCLE_CLOSE_GRACE_DAYS", "0"))
    # Tests and the scheduler's --now inject a clock; None means the wall clock.
    CLOCK = None
    RUN_SCHEDULER_IN_WEB = False


class DevelopmentConfig(Config):
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # The one-process demo: calendar and outbox run inside the web process, and
    # email is written to the log unless an SMTP server is configured.
    RUN_SCHEDULER_IN_WEB = _bool("KAOHE_DEMO")
    AUDIT_KEY_FROM_INSTANCE = True  # without AUDIT_KEY: a random key in instance/
    SMTP_HOST = os.environ.get("SMTP_HOST", "log:" if _bool("KAOHE_DEMO") else "localhost")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE


class ProductionConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"
    AUDIT_KEY = "test-audit-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SMS_GATEWAY_URL = ""
    # Cheap hashes: the suite creates many users. Production keeps the defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024


def config_from_env():
    name = os.environ.get("KAOHE_CONFIG", "development")
    return {"development": DevelopmentConfig, "production": ProductionConfig,
            "test": TestConfig}[name]

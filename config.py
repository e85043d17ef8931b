"""Configuration classes, read from the environment (DESIGN.md §6 contract)."""

import ipaddress
import logging
import os
import secrets
import socket
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
# Where the demo's database and generated secret key live (tests point it elsewhere).
INSTANCE_DIR = Path(os.environ.get("KAOHE_INSTANCE_DIR") or BASE_DIR / "instance")


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
    # SMS through a cloud provider's approved signature and templates
    # (notifications/sms_providers.py): "" / "log" / "http" keep the free-text gateway
    # above; "aliyun" or "tencent" send templates only, for the kinds in SMS_TEMPLATES.
    SMS_PROVIDER = os.environ.get("SMS_PROVIDER", "").strip().lower()
    SMS_SIGN_NAME = os.environ.get("SMS_SIGN_NAME", "")
    # JSON: {"kind": {"template": "SMS_123456789", "params": ["cycle", "deadline"]}}.
    SMS_TEMPLATES = os.environ.get("SMS_TEMPLATES", "")
    SMS_PROVIDER_ENDPOINT = os.environ.get("SMS_PROVIDER_ENDPOINT", "")  # "": the provider's
    SMS_REGION = os.environ.get("SMS_REGION", "")  # "": cn-hangzhou / ap-guangzhou
    SMS_PARAM_MAX_CHARS = int(os.environ.get("SMS_PARAM_MAX_CHARS", "0"))  # 0: provider's
    ALIYUN_ACCESS_KEY_ID = os.environ.get("ALIYUN_ACCESS_KEY_ID", "")
    ALIYUN_ACCESS_KEY_SECRET = os.environ.get("ALIYUN_ACCESS_KEY_SECRET", "")
    TENCENT_SECRET_ID = os.environ.get("TENCENT_SECRET_ID", "")
    TENCENT_SECRET_KEY = os.environ.get("TENCENT_SECRET_KEY", "")
    TENCENT_SMS_SDK_APP_ID = os.environ.get("TENCENT_SMS_SDK_APP_ID", "")
    SMTP_TIMEOUT = int(os.environ.get("SMTP_TIMEOUT", "15"))
    # SMS waits outside these Beijing-time hours (start, end); empty turns it off.
    SMS_QUIET_HOURS = (22, 8)
    # Work notices in DingTalk (工作通知 of an enterprise internal app) and WeCom (应用消息);
    # each channel is offered only when its three keys are set (notifications/workapps.py).
    # The API bases may point at a private deployment's gateway (政务微信: its own host).
    DINGTALK_APP_KEY = os.environ.get("DINGTALK_APP_KEY", "")
    DINGTALK_APP_SECRET = os.environ.get("DINGTALK_APP_SECRET", "")
    DINGTALK_AGENT_ID = os.environ.get("DINGTALK_AGENT_ID", "")
    DINGTALK_API_BASE = os.environ.get("DINGTALK_API_BASE", "https://oapi.dingtalk.com")
    # "zwding": 专有钉钉 (浙政钉, 政务钉钉) instead of the public platform, with
    # DINGTALK_API_BASE at the tenant's gateway (e.g. https://openplatform-pro.ding.zj.gov.cn)
    # and DINGTALK_TENANT_ID in place of the agent id (notifications/zwding.py).
    DINGTALK_PLATFORM = os.environ.get("DINGTALK_PLATFORM", "dingtalk")
    DINGTALK_TENANT_ID = os.environ.get("DINGTALK_TENANT_ID", "")
    WECOM_CORP_ID = os.environ.get("WECOM_CORP_ID", "")
    WECOM_CORP_SECRET = os.environ.get("WECOM_CORP_SECRET", "")
    WECOM_AGENT_ID = os.environ.get("WECOM_AGENT_ID", "")
    WECOM_API_BASE = os.environ.get("WECOM_API_BASE", "https://qyapi.weixin.qq.com")
    # The address people use to reach Kaohe: every absolute link and QR code handed out
    # (emails, survey links and SMS texts) starts with it (workflow_app/links.py); the
    # request's Host header never does. BASE_URL is its old, deprecated name.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL") or os.environ.get("BASE_URL", "")
    BASE_URL = os.environ.get("BASE_URL", "")

    # Per (account, address) pair; per account across all addresses (auth/throttle.py).
    LOGIN_MAX_FAILURES = 5
    LOGIN_ACCOUNT_MAX_FAILURES = 20
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
    # Working days before a 360 rating round closes on which raters still to rate are
    # reminded (once per rater and round).
    RATING_REMINDER_WORKING_DAYS = int(os.environ.get("RATING_REMINDER_WORKING_DAYS", "2"))
    # Who must be told of a transition is worked out after its commit: right after the
    # request or job (off: only by the dispatcher, seconds later). assessments/fanout.py
    FANOUT_AFTER_COMMIT = os.environ.get("FANOUT_AFTER_COMMIT", "1") != "0"
    FANOUT_AFTER_COMMIT_LIMIT = 5000  # items per request; the dispatcher does the rest
    # Single sign-on (workflow_app/sso/): off unless SSO_PROTOCOL is "oidc" or "cas".
    # The provider's claim (OIDC) or attribute (CAS; empty: the CAS user) named by
    # SSO_MATCH_CLAIM must equal an existing account's SSO_MATCH_FIELD (username, email
    # or phone); nobody is ever created. SSO_PASSWORD_LOGIN: 1 every account may still use
    # its password, 0 not the accounts that have logged in through SSO, none no account;
    # SSO_BREAK_GLASS_USERS (usernames, comma-separated) always may.
    SSO_PROTOCOL = os.environ.get("SSO_PROTOCOL", "").strip().lower()
    SSO_MATCH_CLAIM = os.environ.get(
        "SSO_MATCH_CLAIM", "preferred_username" if SSO_PROTOCOL == "oidc" else "")
    SSO_MATCH_FIELD = os.environ.get("SSO_MATCH_FIELD", "username").strip().lower()
    SSO_PASSWORD_LOGIN = os.environ.get("SSO_PASSWORD_LOGIN", "1").strip().lower()
    SSO_BREAK_GLASS_USERS = os.environ.get("SSO_BREAK_GLASS_USERS", "")
    # Logout also ends the provider's session (OIDC end_session_endpoint, CAS /logout).
    SSO_SINGLE_LOGOUT = _bool("SSO_SINGLE_LOGOUT", False)
    SSO_HTTP_TIMEOUT = float(os.environ.get("SSO_HTTP_TIMEOUT", "10"))
    OIDC_ISSUER = os.environ.get("OIDC_ISSUER", "").rstrip("/")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email")
    # client_secret_basic (default), client_secret_post, or none (public client + PKCE).
    OIDC_TOKEN_AUTH_METHOD = os.environ.get("OIDC_TOKEN_AUTH_METHOD", "client_secret_basic")
    CAS_SERVER_URL = os.environ.get("CAS_SERVER_URL", "")
    CAS_VERSION = os.environ.get("CAS_VERSION", "3").strip()
    # 业绩晾晒 (workflow_app/showcase, seed 002 泗水): stars per dimension and period; the
    # period a board opens on, "month" (月评比) or "quarter" (季赋分); who sees a unit's
    # board: "members" (its people, its superiors, org_admin, auditor) or "staff" (only
    # the latter). Never the public.
    SHOWCASE_MAX_STARS = int(os.environ.get("SHOWCASE_MAX_STARS", "5"))
    SHOWCASE_PERIOD = os.environ.get("SHOWCASE_PERIOD", "month").strip().lower()
    SHOWCASE_VISIBILITY = os.environ.get("SHOWCASE_VISIBILITY", "members").strip().lower()
    # Tests and the scheduler's --now inject a clock; None means the wall clock.
    CLOCK = None
    RUN_SCHEDULER_IN_WEB = False
    # Operations (workflow_app/operations): "json" logs one JSON object per line; /readyz
    # fails when the newest scheduler job run finished longer ago than this, or a due
    # notification has waited longer than this (seconds; 0: not checked); /metrics wants
    # this bearer token (empty: only from the host itself).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    READYZ_HEARTBEAT_MAX_AGE = int(os.environ.get("READYZ_HEARTBEAT_MAX_AGE", "600"))
    READYZ_OUTBOX_MAX_AGE = int(os.environ.get("READYZ_OUTBOX_MAX_AGE", "1800"))
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")


class DevelopmentConfig(Config):
    # No default key: only the demo (KAOHE_DEMO=1) may run without SECRET_KEY, and it
    # then generates its own random key in instance/ (settle_secret_key below).
    KAOHE_DEMO = _bool("KAOHE_DEMO")
    # The one-process demo: calendar and outbox run inside the web process, and
    # email is written to the log unless an SMTP server is configured.
    RUN_SCHEDULER_IN_WEB = _bool("KAOHE_DEMO")
    AUDIT_KEY_FROM_INSTANCE = True  # without AUDIT_KEY: a random key in instance/
    SMTP_HOST = os.environ.get("SMTP_HOST", "log:" if _bool("KAOHE_DEMO") else "localhost")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    # The demo listens on 127.0.0.1 only (devserver.py), so its links point there; it is
    # the one place where printing QR codes for a loopback address is allowed.
    PUBLIC_BASE_URL = Config.PUBLIC_BASE_URL or (
        f"http://127.0.0.1:{os.environ.get('PORT', '5000')}" if _bool("KAOHE_DEMO") else "")


class ProductionConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    # A fixed, known key: acceptable only because TESTING exempts it from the check
    # in settle_secret_key; nothing outside the suite runs with it.
    SECRET_KEY = "test-secret"
    AUDIT_KEY = "test-audit-key"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    SMS_GATEWAY_URL = ""
    SMS_PROVIDER = ""
    SMS_TEMPLATES = ""
    # Off unless a test configures them (tests/test_channel_dingtalk.py, …_wecom.py).
    DINGTALK_APP_KEY = DINGTALK_APP_SECRET = DINGTALK_AGENT_ID = ""
    DINGTALK_PLATFORM, DINGTALK_TENANT_ID = "dingtalk", ""
    WECOM_CORP_ID = WECOM_CORP_SECRET = WECOM_AGENT_ID = ""
    SSO_PROTOCOL = ""  # a test that needs SSO sets it (tests/test_sso_*.py)
    SSO_PASSWORD_LOGIN = "1"
    SSO_SINGLE_LOGOUT = False
    PUBLIC_BASE_URL = "https://kaohe.test"
    BASE_URL = ""
    # Cheap hashes: the suite creates many users. Production keeps the defaults.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 1024
    # No scheduler runs in the suite unless a test runs one (tests turn the check on).
    READYZ_HEARTBEAT_MAX_AGE = 0
    METRICS_TOKEN = ""
    LOG_FORMAT = "text"


def config_from_env():
    name = os.environ.get("KAOHE_CONFIG") or "development"
    return {"development": DevelopmentConfig, "production": ProductionConfig,
            "test": TestConfig}[name]


# --- the secret key ------------------------------------------------------------------
# Whoever knows the key can forge any session cookie (an org_admin's included), so no
# key that is published or guessable may ever sign anything outside the test suite.

MIN_SECRET_KEY_LENGTH = 32
# Keys that were defaults or examples somewhere (README, bench, this file's history).
KNOWN_SECRET_KEYS = frozenset({
    "dev-only-not-secret", "test-secret", "bench-not-secret", "bench", "secret",
    "changeme", "change-me", "development", "production", "kaohe", "flask"})
HOW_TO_SET = ("set it to a random value, e.g. "
              "export SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')")


class InsecureSecretKey(RuntimeError):
    """Raised by create_app: the app refuses to start rather than sign with this key."""


def secret_key_problem(key):
    """Why `key` may not sign sessions, or None when it is acceptable."""
    if not key:
        return f"SECRET_KEY is not set: {HOW_TO_SET}"
    if key.strip().lower() in KNOWN_SECRET_KEYS:
        return f"SECRET_KEY is a published default and must not be used: {HOW_TO_SET}"
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 8:
        return (f"SECRET_KEY is too weak (at least {MIN_SECRET_KEY_LENGTH} characters of "
                f"random data are required): {HOW_TO_SET}")
    return None


def demo_secret_key(instance_dir):
    """The demo's own random key, generated once and kept in instance/secret_key (0600),
    so sessions survive a restart of the demo."""
    path = Path(instance_dir) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"secret_key.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
        os.replace(tmp, path)  # whole or absent, never half written
    return path.read_text().strip()


def settle_secret_key(config, instance_dir):
    """Check the configured key; the demo may generate one, the test suite is exempt."""
    if config.get("TESTING"):
        return
    if not config.get("SECRET_KEY") and config.get("KAOHE_DEMO"):
        config["SECRET_KEY"] = demo_secret_key(instance_dir)
    problem = secret_key_problem(config.get("SECRET_KEY"))
    if problem:
        raise InsecureSecretKey(problem)


# --- the public base URL ---------------------------------------------------------------
# A mistyped address would go out in every email and be printed on paper, so a malformed
# value stops the start like a weak key; an unset one does not (backups, imports and the
# dispatcher keep working), links are then left out or refused where they are needed.

log = logging.getLogger(__name__)
PUBLIC_URL_EXAMPLE = "e.g. PUBLIC_BASE_URL=https://kaohe.example.gov.cn"


class InvalidPublicBaseUrl(RuntimeError):
    """Raised by create_app: links to people would be broken or point elsewhere."""


def public_base_url_problem(url):
    """Why `url` cannot start every link handed out, or None when it can."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises ValueError on a port that is not a number)
    except ValueError:
        return f"PUBLIC_BASE_URL is not a valid URL: {url!r} ({PUBLIC_URL_EXAMPLE})"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return (f"PUBLIC_BASE_URL must be an http:// or https:// address with a host name: "
                f"{url!r} ({PUBLIC_URL_EXAMPLE})")
    if "?" in url or "#" in url or "@" in parts.netloc or any(c.isspace() for c in url):
        return (f"PUBLIC_BASE_URL must not carry a query, fragment, user name or spaces: "
                f"{url!r} ({PUBLIC_URL_EXAMPLE})")
    return None


def is_loopback_host(host):
    """True for this computer's own addresses: localhost, 127.0.0.0/8, ::1, 0.0.0.0, ::.
    Short IPv4 forms such as 127.1 count too (browsers read them the same way)."""
    host = (host or "").strip("[]").rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        try:
            ip = ipaddress.ip_address(socket.inet_aton(host)) if host[:1].isdigit() else None
        except OSError:
            ip = None
    return ip is not None and (ip.is_loopback or ip.is_unspecified)


def settle_public_base_url(config):
    """Check PUBLIC_BASE_URL (malformed: refuse to start) and keep it without a final /."""
    url = (config.get("PUBLIC_BASE_URL") or "").strip()
    problem = public_base_url_problem(url) if url else None
    if problem:
        raise InvalidPublicBaseUrl(problem)
    config["PUBLIC_BASE_URL"] = url.rstrip("/")
    if not config.get("TESTING"):
        _warn_about_public_base_url(config)


def _warn_about_public_base_url(config):
    url = config["PUBLIC_BASE_URL"]
    if config.get("BASE_URL"):
        log.warning("BASE_URL is deprecated: rename it PUBLIC_BASE_URL "
                    "(PUBLIC_BASE_URL wins when both are set)")
    if not url:
        log.warning("PUBLIC_BASE_URL is not set: emails go out without links, and survey "
                    "QR codes and SMS links cannot be made (%s)", PUBLIC_URL_EXAMPLE)
    elif is_loopback_host(urlsplit(url).hostname) and not config.get("KAOHE_DEMO"):
        log.warning("PUBLIC_BASE_URL %s is a loopback address: nobody else can open its "
                    "links, so survey QR codes and SMS links are refused", url)

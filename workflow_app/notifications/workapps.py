"""Work notices in DingTalk and WeCom: what the two channels share.

Both providers hand each app an access token (`GET /gettoken`, `expires_in` 7200 s) and
ask callers to keep it and reuse it: fetching one per message runs into the gettoken
frequency limit. TOKENS keeps one per app until shortly before it expires; a call that
answers "token invalid or expired" drops it, fetches a new one once and tries again.
Both also limit how often an app may call and how many notices one person may get
(dingtalk.py, wecom.py); LIMITS keeps this process under them, and the providers'
own frequency-limit answers are retried later like any failed delivery.

A channel is offered only when its configuration is complete (offered_work_apps), and
a person has an address there only with a user id on their account. DingTalk comes in
two flavours chosen by DINGTALK_PLATFORM: "dingtalk" (the public open platform,
dingtalk.py) and "zwding" (专有钉钉: 浙政钉, 政务钉钉; zwding.py), which needs a tenant
id instead of an agent id.
"""

import json
import threading
import time
import urllib.request
from collections import deque
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from workflow_app.links import NoPublicUrl, entry_link

# {channel: (app key or corp id, secret, agent id)}: all three set switch the channel on.
CONFIG_KEYS = {
    "dingtalk": ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET", "DINGTALK_AGENT_ID"),
    "wecom": ("WECOM_CORP_ID", "WECOM_CORP_SECRET", "WECOM_AGENT_ID"),
}
# 专有钉钉 (DINGTALK_PLATFORM=zwding): app key and secret of the gateway, and the tenant.
ZWDING_KEYS = ("DINGTALK_APP_KEY", "DINGTALK_APP_SECRET", "DINGTALK_TENANT_ID")
DINGTALK_PLATFORMS = ("dingtalk", "zwding")
USER_FIELDS = {"dingtalk": "dingtalk_user_id", "wecom": "wecom_user_id"}
CHANNEL_LABELS = {"dingtalk": _l("DingTalk"), "wecom": _l("WeCom")}
TIMEOUT_SECONDS = 15
# Renew a token this long before the provider says it expires (never more than half).
TOKEN_MARGIN_SECONDS = 300
NO_LINK_PATH = "/notifications"


def offered_work_apps(config=None):
    """The work-app channels this deployment has configured, in a fixed order."""
    config = current_app.config if config is None else config
    return tuple(c for c in CONFIG_KEYS if _complete(c, config))


def _complete(channel, config):
    keys = required_keys(channel, config)
    return bool(keys) and all(config.get(k) for k in keys)


def dingtalk_platform(config=None):
    """Which DingTalk: "dingtalk" (default), "zwding" (专有钉钉), or "" for an unknown one."""
    config = current_app.config if config is None else config
    platform = str(config.get("DINGTALK_PLATFORM") or "dingtalk").strip().lower()
    return platform if platform in DINGTALK_PLATFORMS else ""


def required_keys(channel, config):
    """The settings that must all be set to offer `channel`; () for an unknown DingTalk
    platform, which keeps the channel off."""
    if channel != "dingtalk":
        return CONFIG_KEYS[channel]
    platform = dingtalk_platform(config)
    if not platform:
        return ()
    return ZWDING_KEYS if platform == "zwding" else CONFIG_KEYS[channel]


def work_app_address(user, channel):
    """The user's id in that work app; "" when they have none or it is not configured."""
    return work_app_id(user, channel) if channel in offered_work_apps() else ""


def work_app_id(user, channel):
    """The user's id in that work app as recorded, configured or not."""
    return (getattr(user, USER_FIELDS[channel], "") or "").strip()


def delivery_error(message):
    # Imported here: channels.py imports the work-app channels at its top.
    from workflow_app.notifications.channels import DeliveryError

    return DeliveryError(message)


def notice_link(note):
    """The absolute link that opens the item (through SSO when configured)."""
    try:
        return entry_link(note.link or NO_LINK_PATH)
    except (NoPublicUrl, ValueError) as exc:
        raise delivery_error(f"no link for the notice: {exc}") from None


def in_locale(user, text):
    """A lazy text in the recipient's language (the notice itself already is)."""
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        return str(text)


def clip_bytes(text, limit):
    """`text` cut to at most `limit` UTF-8 bytes, never inside a character."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", errors="ignore")


# --- HTTP -------------------------------------------------------------------------------

def call_json(base, path, query, body=None):
    """GET (body None) or POST JSON to base + path; the decoded JSON answer.

    Network trouble and non-JSON answers are DeliveryErrors (retried later). The query
    holds secrets and tokens: no message here ever shows it.
    """
    url = f"{base.rstrip('/')}{path}?{urlencode(query)}"
    data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="GET" if data is None else "POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    return open_json(request, path)


def open_json(request, path):
    """The decoded JSON answer to `request`; trouble is a DeliveryError naming `path`."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            raw = response.read()
    except HTTPError as exc:
        exc.close()
        raise delivery_error(f"{path} answered HTTP {exc.code}") from None
    except (URLError, OSError) as exc:
        raise delivery_error(f"{path} unreachable: {getattr(exc, 'reason', exc)}") from None
    try:
        return json.loads(raw)
    except ValueError:
        raise delivery_error(f"{path} answered something other than JSON") from None


# --- the token cache ------------------------------------------------------------------

class TokenCache:
    """Access tokens per app, shared by every thread of the process.

    One lock per app: threads that find no valid token wait for the one fetching it
    and then use the same token, so gettoken is called once however many send.
    """

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._guard = threading.Lock()
        self._locks, self._tokens = {}, {}

    def _lock(self, key):
        with self._guard:
            return self._locks.setdefault(key, threading.Lock())

    def get(self, key, fetch):
        """The cached token of `key`, or fetch() -> (token, expires_in seconds)."""
        with self._lock(key):
            token, until = self._tokens.get(key, ("", 0.0))
            if token and self.clock() < until:
                return token
            token, expires_in = fetch()
            keep = max(int(expires_in) - min(TOKEN_MARGIN_SECONDS, int(expires_in) // 2), 0)
            self._tokens[key] = (token, self.clock() + keep)
            return token

    def invalidate(self, key, token):
        """The provider refused `token`: forget it, unless another thread already did."""
        with self._lock(key):
            if self._tokens.get(key, ("",))[0] == token:
                del self._tokens[key]

    def clear(self):
        with self._guard:
            self._tokens.clear()


TOKENS = TokenCache()


# --- rate limits -----------------------------------------------------------------------

class RateLimiter:
    """Sliding windows: at most `limit` events per `seconds` for each key, per process."""

    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self._lock = threading.Lock()
        self._events = {}

    def wait_time(self, key, rules):
        """0 and the event counted when every (limit, seconds) rule allows it now;
        otherwise the seconds until it would (nothing counted)."""
        with self._lock:
            now = self.clock()
            events = self._events.setdefault(key, deque())
            longest = max(seconds for _, seconds in rules)
            while events and events[0] <= now - longest:
                events.popleft()
            wait = max((self._wait(events, now, limit, seconds) for limit, seconds in rules),
                       default=0.0)
            if wait <= 0:
                events.append(now)
            elif not events:
                del self._events[key]
            return max(wait, 0.0)

    @staticmethod
    def _wait(events, now, limit, seconds):
        inside = [t for t in events if t > now - seconds]
        return inside[-limit] + seconds - now if len(inside) >= limit else 0.0

    def pace(self, key, rules, longest_wait=1.0):
        """Wait (a little) for the app's calls-per-second limit; refuse longer waits."""
        while True:
            wait = self.wait_time(key, rules)
            if wait <= 0:
                return
            if wait > longest_wait:
                raise delivery_error(f"rate limit of this server reached; retry in {wait:.0f} s")
            time.sleep(wait)

    def clear(self):
        with self._lock:
            self._events.clear()


LIMITS = RateLimiter()


# --- the channel ----------------------------------------------------------------------

class WorkAppChannel:
    """Base of DingTalkChannel and WeComChannel: token, limits and answer checks."""

    name = ""
    TOKEN_INVALID = frozenset()  # errcodes: token invalid or expired, fetch a new one
    RATE_LIMITED = frozenset()  # errcodes: frequency limits, retried later
    APP_RATE = ()  # (limit, seconds) per app for the send call
    RECIPIENT_RATE = ()  # (limit, seconds) per recipient

    def address(self, user):
        return work_app_address(user, self.name)

    def defer_until(self, now):
        return None

    def settings(self):
        config = current_app.config
        key, secret, agent = (str(config.get(k) or "") for k in CONFIG_KEYS[self.name])
        if not (key and secret and agent):
            raise delivery_error(f"{self.name} is not configured")
        return key, secret, agent, config[f"{self.name.upper()}_API_BASE"]

    def send(self, note, address):
        key, secret, agent, base = self.settings()
        payload = self.message(note, address, agent, notice_link(note))
        LIMITS.pace((self.name, base, key), self.APP_RATE)
        if LIMITS.wait_time((self.name, base, key, address), self.RECIPIENT_RATE) > 0:
            raise delivery_error(f"{self.name}: per-person limit reached; retried later")
        answer = self.with_token(key, secret, base, payload)
        self.check(answer, address)

    def with_token(self, key, secret, base, payload):
        """Send with the cached token; once more with a new one if it was refused."""
        cache_key = (self.name, base, key)
        token = TOKENS.get(cache_key, lambda: self.fetch_token(base, key, secret))
        answer = self.post(base, token, payload)
        if answer.get("errcode") in self.TOKEN_INVALID:
            TOKENS.invalidate(cache_key, token)
            token = TOKENS.get(cache_key, lambda: self.fetch_token(base, key, secret))
            answer = self.post(base, token, payload)
        return answer

    def fetch_token(self, base, key, secret):
        answer = call_json(base, self.TOKEN_PATH, self.token_query(key, secret))
        token = answer.get("access_token")
        if answer.get("errcode", 0) != 0 or not token:
            raise delivery_error(f"{self.name} gettoken: {_described(answer)}")
        return token, int(answer.get("expires_in") or 7200)

    def post(self, base, token, payload):
        return call_json(base, self.SEND_PATH, {"access_token": token}, payload)

    def check(self, answer, address):
        code = answer.get("errcode")
        if code == 0:
            return
        if code in self.RATE_LIMITED:
            raise delivery_error(f"{self.name} frequency limit, retried later: "
                                 f"{_described(answer)}")
        raise delivery_error(f"{self.name} refused the notice: {_described(answer)}")


def _described(answer):
    return f"errcode {answer.get('errcode')} {str(answer.get('errmsg', ''))[:200]}"

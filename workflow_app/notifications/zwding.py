"""Work notices through 专有钉钉 (浙政钉, 政务钉钉 and other government DingTalk tenants).

Chosen by DINGTALK_PLATFORM = "zwding"; the channel is still "dingtalk" and the person's
id is still User.dingtalk_user_id, which holds their accountId on this platform.

Follows the 专有钉钉 open platform's SDK (zwdd-sdk-java 1.2.0: ExecutableClient,
PostRequest, sign.Signature, OapiMessageWorkNotificationRequest) and its "发送工作通知"
document as republished with the SDK demo:
  - every call is signed: HMAC-SHA256 with the app secret over
    METHOD \\n timestamp \\n nonce \\n path [\\n params], params sorted by name
    (case-insensitive), empty ones left out, "name=value" joined by "&" (values not
    URL-encoded); Base64 of the digest goes in X-Hmac-Auth-Signature, with apiKey,
    X-Hmac-Auth-Timestamp (ISO 8601 with milliseconds and offset), X-Hmac-Auth-Version
    1.0, X-Hmac-Auth-Nonce (13-digit milliseconds + 4 random digits), X-Hmac-Auth-IP and
    X-Hmac-Auth-MAC; POST parameters travel as a UTF-8 form body;
  - POST /message/workNotification takes tenantId, receiverIds (accountIds),
    bizMsgId (the caller's id: "同样的ID调用多次会提示重复") and msg, a JSON string of at
    most 2048 bytes (text, link, markdown, oa or action_card). It takes no access token:
    the SDK's request has none and the signature identifies the app, so no gettoken call
    (/gettoken.json) is needed to send and none is made.
  - answers are {"success": …, "content": …}; a refusal by the gateway itself (signature,
    timestamp, frequency) has success false with Code/Message (the SDK's OapiResponse),
    a refusal by the API has content.success false with responseCode/responseMessage.

bizMsgId is derived from the row's dedup key, so the platform's dedup and ours agree:
a retry after a lost answer is refused as a repeat, which means it already arrived.
Documented limits: the same content to the same person once a day (the content ends with
the time the notice was queued, as on the public platform), and at most 100 notices a
day per person and app. Gateway refusals are retried; API refusals (an unknown person,
a wrong tenant) cannot get better and are dead letters at once.
"""

import base64
import hashlib
import hmac
import json
import secrets
import socket
import time
import urllib.request
import uuid
from datetime import datetime
from functools import cache
from urllib.parse import urlencode, urlsplit

from flask import current_app

from workflow_app.notifications.dingtalk import DingTalkChannel
from workflow_app.notifications.workapps import (
    LIMITS,
    ZWDING_KEYS,
    WorkAppChannel,
    clip_bytes,
    delivery_error,
    notice_link,
    open_json,
)
from workflow_app.workcalendar import LOCAL_TZ

SEND_PATH = "/message/workNotification"
API_VERSION = "1.0"
MSG_BYTES = 2048  # "最长不超过2048个字节"
PUBLIC_HOST = "oapi.dingtalk.com"
# A gateway refusal with one of these words is a frequency limit (retried later).
RATE_WORDS = ("throttl", "limit", "限流", "频率", "频繁")
DUPLICATE_WORD = "重复"


# --- signing (zwdd-sdk-java sign.Signature) --------------------------------------------

def canonical_params(params):
    """name=value&… sorted by name ignoring case; empty values are not signed (or sent)."""
    items = sorted(((k, str(v)) for k, v in params.items() if v not in (None, "")),
                   key=lambda kv: kv[0].lower())
    return "&".join(f"{k}={v}" for k, v in items)


def signature(secret, method, timestamp, nonce, path, params):
    lines = [method, timestamp, nonce, path]
    if canonical := canonical_params(params):
        lines.append(canonical)
    digest = hmac.new(secret.encode("utf-8"), "\n".join(lines).encode("utf-8"),
                      hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def signed_headers(key, secret, method, path, params, now=None, nonce=None):
    """The gateway's headers for one call; `now` and `nonce` only for tests."""
    now = now or datetime.now(LOCAL_TZ)
    timestamp = now.isoformat(timespec="milliseconds")
    nonce = nonce or f"{time.time_ns() // 1_000_000}{secrets.randbelow(10_000):04d}"
    ip, mac = host_address()
    return {"apiKey": key, "X-Hmac-Auth-Timestamp": timestamp,
            "X-Hmac-Auth-Version": API_VERSION, "X-Hmac-Auth-Nonce": nonce,
            "X-Hmac-Auth-Signature": signature(secret, method, timestamp, nonce, path, params),
            "X-Hmac-Auth-IP": ip, "X-Hmac-Auth-MAC": mac}


@cache
def host_address():
    """This host's IP and MAC, which the SDK reports in X-Hmac-Auth-IP/-MAC."""
    try:
        ip = socket.gethostbyname(socket.gethostname())
    except OSError:
        ip = "127.0.0.1"
    node = f"{uuid.getnode():012x}"
    return ip, ":".join(node[i:i + 2] for i in range(0, 12, 2))


def post_signed(base, path, params, key, secret, **signing):
    """POST the parameters as a signed form; the decoded JSON answer."""
    params = {k: v for k, v in params.items() if v not in (None, "")}
    headers = signed_headers(key, secret, "POST", path, params, **signing)
    headers["Content-Type"] = "application/x-www-form-urlencoded; charset=utf-8"
    request = urllib.request.Request(f"{base.rstrip('/')}{path}", method="POST",
                                     data=urlencode(params).encode("utf-8"), headers=headers)
    return open_json(request, path)


# --- the channel ----------------------------------------------------------------------

class ZwDingChannel(WorkAppChannel):
    """The "dingtalk" channel when DINGTALK_PLATFORM is "zwding" (dingtalk.py hands over)."""

    name = "dingtalk"
    APP_RATE = ((20, 1),)  # no figure found for the gateway: the public platform's
    RECIPIENT_RATE = ((100, 24 * 3600),)  # "一天不得超过100次" per person and app

    def settings(self):
        config = current_app.config
        key, secret, tenant = (str(config.get(k) or "").strip() for k in ZWDING_KEYS)
        base = str(config.get("DINGTALK_API_BASE") or "")
        if not (key and secret and tenant):
            raise delivery_error("dingtalk (专有钉钉) is not configured")
        if urlsplit(base).hostname in (None, PUBLIC_HOST):
            raise delivery_error("DINGTALK_API_BASE must be the tenant's 专有钉钉 gateway")
        return key, secret, tenant, base

    def send(self, note, address):
        key, secret, tenant, base = self.settings()
        params = work_notification(note, address, tenant, notice_link(note))
        LIMITS.pace(("zwding", base, key), self.APP_RATE)
        if LIMITS.wait_time(("zwding", base, key, address), self.RECIPIENT_RATE) > 0:
            raise delivery_error("dingtalk: per-person limit reached; retried later")
        check_answer(post_signed(base, SEND_PATH, params, key, secret))


def biz_msg_id(note):
    """The platform's dedup id: a hash of our dedup key (bounded, plain ASCII)."""
    return "kaohe-" + hashlib.sha256(note.dedup_key.encode("utf-8")).hexdigest()[:32]


def work_notification(note, address, tenant, link):
    """The parameters of /message/workNotification: one OA notice to one accountId."""
    msg = DingTalkChannel().message(note, address, 0, link)["msg"]
    return {"tenantId": tenant, "receiverIds": address, "bizMsgId": biz_msg_id(note),
            "msg": _fitted(msg)}


def _fitted(msg):
    """msg as JSON within MSG_BYTES, the body's content shortened if need be."""
    body = msg["oa"]["body"]
    while len(text := json.dumps(msg, ensure_ascii=False).encode("utf-8")) > MSG_BYTES:
        if not body["content"]:
            break  # the rest alone is too long: let the platform say so
        content = body["content"].encode("utf-8")
        body["content"] = clip_bytes(body["content"], len(content) - (len(text) - MSG_BYTES))
    return text.decode("utf-8")


# --- answers --------------------------------------------------------------------------

def check_answer(answer):
    """Return when delivered (or already delivered); raise otherwise."""
    if answer.get("success") is not True:
        problem = _described(answer, "Code", "Message")
        if any(word in problem.lower() for word in RATE_WORDS):
            raise delivery_error(f"dingtalk frequency limit, retried later: {problem}")
        raise delivery_error(f"dingtalk gateway refused the call: {problem}")
    content = _content(answer.get("content"))
    if not isinstance(content, dict) or content.get("success") is not False:
        return
    problem = _described(content, "responseCode", "responseMessage")
    if DUPLICATE_WORD in problem:
        return  # this bizMsgId was taken before: an earlier attempt did arrive
    if any(word in problem.lower() for word in RATE_WORDS):
        raise delivery_error(f"dingtalk frequency limit, retried later: {problem}")
    raise permanent_error(f"dingtalk refused the notice: {problem}")


def _content(content):
    """content as a dict when it is JSON text (some answers nest it as a string)."""
    if isinstance(content, str):
        try:
            return json.loads(content)
        except ValueError:
            return content  # the message id itself
    return content


def _described(answer, code_field, message_field):
    code = answer.get(code_field) or answer.get("errorCode") or answer.get("bizErrorCode")
    message = answer.get(message_field) or answer.get("errorMsg") or ""
    return f"{code or '?'} {str(message)[:200]}".strip()


def permanent_error(message):
    # Imported here: channels.py imports the DingTalk channel at its top.
    from workflow_app.notifications.channels import PermanentDeliveryError

    return PermanentDeliveryError(message)

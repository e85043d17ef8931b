"""A 专有钉钉 gateway stand-in (浙政钉 openplatform-pro.ding.zj.gov.cn, 政务钉钉
openplatform.dg-work.cn) for work notices.

After the platform's SDK (zwdd-sdk-java 1.2.0) and its "发送工作通知" document:
  - every call must be signed. The stand-in recomputes the signature itself with the test
    secret: HMAC-SHA256 over METHOD\\ntimestamp\\nnonce\\npath\\nparams (params sorted by
    name ignoring case, empty ones left out, name=value joined by &, values as sent),
    Base64. It refuses (success false, Code/Message as in the SDK's OapiResponse) a wrong
    apiKey or signature, a version other than 1.0, a timestamp that is not ISO 8601 with
    an offset or is more than MAX_SKEW away from now, a nonce it has seen before, and a
    call without X-Hmac-Auth-IP/-MAC;
  - POST /message/workNotification as a UTF-8 form with only the documented parameters
    (organizationCodes, receiverIds, tenantId, bizMsgId, msg) and no access token:
    tenantId must be the tenant's, receiverIds one known accountId, bizMsgId non-empty and
    new ("同样的ID调用多次会提示重复"), msg a JSON string of at most 2048 bytes holding an
    OA notice (msgtype "oa", oa.message_url and oa.pc_message_url starting with
    `link_prefix`, oa.head.text, oa.body.title and oa.body.content). The API refuses the
    others with content.success false and a responseCode/responseMessage.
Accepted calls answer {success true, content {success true, data {msgId}}}. Answers
queued in `answers` come first (after the signature check); `lose_next_answer` accepts
the next notice and then answers HTTP 502, as when an answer is lost on the way back.
The codes and messages of refusals are the stand-in's own: the material found names the
fields, not the values.
"""

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from tests.standins.loopback import QuietHandler, running
from tests.standins.workapp import WorkAppServer

SEND_PATH = "/message/workNotification"
PARAMS = {"organizationCodes", "receiverIds", "tenantId", "bizMsgId", "msg"}
MAX_SKEW = timedelta(minutes=5)  # the stand-in's choice; the gateway's is not published
THROTTLED = {"success": False, "Code": "Throttling.User", "Message": "调用频率超过限制"}


def refused(code, message):
    """An API refusal: the call got through the gateway, the API said no."""
    return {"success": True, "content": {"success": False, "responseCode": code,
                                         "responseMessage": message}}


class ZwDingServer(WorkAppServer):
    link_prefix = "https://"

    def __init__(self, key, secret, tenant, users):
        super().__init__(key, secret, tenant, users)
        self.RequestHandlerClass = GatewayHandler
        self.tenant = tenant
        self.nonces, self.biz_ids = set(), set()
        self.rejected = []  # (Code, headers) of calls the gateway refused
        self.lose_next_answer = False

    # --- the gateway ------------------------------------------------------------------

    def verify(self, method, path, headers, params):
        """"" when the call is signed as the SDK signs it; otherwise why not."""
        timestamp, nonce = headers.get("X-Hmac-Auth-Timestamp", ""), headers.get(
            "X-Hmac-Auth-Nonce", "")
        if headers.get("apiKey") != self.key:
            return "InvalidApiKey"
        if headers.get("X-Hmac-Auth-Version") != "1.0":
            return "InvalidVersion"
        if not (headers.get("X-Hmac-Auth-IP") and headers.get("X-Hmac-Auth-MAC")):
            return "MissingClientAddress"
        if not _fresh(timestamp):
            return "InvalidTimestamp"
        expected = expected_signature(self.secret, method, timestamp, nonce, path, params)
        if not hmac.compare_digest(headers.get("X-Hmac-Auth-Signature", ""), expected):
            return "InvalidSignature"
        with self.lock:
            if not nonce.isdigit() or nonce in self.nonces:
                return "NonceUsed"
            self.nonces.add(nonce)
        return ""

    def gateway_refusal(self, code, headers):
        with self.lock:
            # Header names are case-insensitive (urllib sends "Apikey"): kept lower-case.
            self.rejected.append((code, {k.lower(): v for k, v in headers.items()}))
        return {"success": False, "Code": code, "Message": f"gateway refused: {code}",
                "HostId": "openplatform.test", "_RequestId": "0bb3f2d3"}

    # --- /message/workNotification ----------------------------------------------------

    def work_notification(self, params):
        with self.lock:
            if self.answers:
                answer = self.answers.pop(0)
                self.refused.append((answer, params))
                return answer
        problems = self.check_params(params)
        with self.lock:
            if problems:
                self.problems += problems
                self.refused.append((problems, params))
                return refused("PARAM_ERROR", "; ".join(problems))
            if params["bizMsgId"] in self.biz_ids:
                self.refused.append(("duplicate", params))
                return refused("BIZ_MSG_ID_DUPLICATE", "bizMsgId重复")
            self.biz_ids.add(params["bizMsgId"])
            self.received.append(params | {"msg": json.loads(params["msg"])})
            msg_id = f"msg-{len(self.received)}"
        return {"success": True, "content": {"success": True, "data": {"msgId": msg_id},
                                             "responseCode": "0", "responseMessage": "成功"}}

    def check_params(self, params):
        problems = [f"unknown parameter {k}" for k in sorted(set(params) - PARAMS)]
        if params.get("tenantId") != self.tenant:
            problems.append(f"tenantId {params.get('tenantId')!r}")
        if params.get("receiverIds") not in self.users:
            problems.append(f"receiverIds {params.get('receiverIds')!r}")
        if not 0 < len(params.get("bizMsgId", "")) <= 64:
            problems.append("bizMsgId")
        return problems + self.check_msg(params.get("msg", ""))

    def check_msg(self, text):
        if len(text.encode("utf-8")) > 2048:
            return ["msg longer than 2048 bytes"]
        try:
            msg = json.loads(text)
        except ValueError:
            return ["msg is not JSON"]
        oa = msg.get("oa") or {}
        body = oa.get("body") or {}
        problems = [] if msg.get("msgtype") == "oa" else [f"msgtype {msg.get('msgtype')!r}"]
        for name in ("message_url", "pc_message_url"):
            if not str(oa.get(name, "")).startswith(self.link_prefix):
                problems.append(f"oa.{name} {oa.get(name)!r}")
        if not (body.get("title") and body.get("content") and (oa.get("head") or {}).get(
                "text")):
            problems.append("oa head/title/content")
        return problems


def expected_signature(secret, method, timestamp, nonce, path, params):
    pairs = sorted(((k, v) for k, v in params.items() if v), key=lambda kv: kv[0].lower())
    lines = [method, timestamp, nonce, path]
    if pairs:
        lines.append("&".join(f"{k}={v}" for k, v in pairs))
    digest = hmac.new(secret.encode(), "\n".join(lines).encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _fresh(timestamp):
    try:
        moment = datetime.fromisoformat(timestamp)
    except ValueError:
        return False
    if moment.tzinfo is None or "." not in timestamp:
        return False
    return abs(datetime.now(UTC) - moment) <= MAX_SKEW


class GatewayHandler(QuietHandler):
    def do_POST(self):
        url = urlsplit(self.path)
        raw = self.body()
        if url.path != SEND_PATH:
            return self._answer(404, {"success": False, "Code": "NotFound"})
        if not self.headers.get("Content-Type", "").startswith(
                "application/x-www-form-urlencoded"):
            return self._answer(200, self.server.gateway_refusal("NotForm", self.headers))
        params = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8"),
                                                 keep_blank_values=True).items()}
        problem = self.server.verify("POST", url.path, self.headers, params)
        if problem:
            return self._answer(200, self.server.gateway_refusal(problem, self.headers))
        answer = self.server.work_notification(params)
        if self.server.lose_next_answer:
            self.server.lose_next_answer = False
            return self._answer(502, {"message": "bad gateway"})
        return self._answer(200, answer)

    def _answer(self, status, payload):
        self.answer_json(status, payload)


def zwding_standin(users, key="zzd-api-key", secret="zzd-secret", tenant="196729"):
    return running(ZwDingServer(key, secret, tenant, users))

"""Stand-in for Alibaba Cloud SMS (Dysmsapi 2017-05-25), action SendSms, as the official
SDK (alibabacloud-dysmsapi20170525 4.x over alibabacloud-tea-openapi) calls it.

Follows 阿里云 短信服务 API 文档 "SendSms - 发送短信" (request parameters PhoneNumbers,
SignName, TemplateCode, TemplateParam; answer Code/Message/BizId/RequestId and the error
codes of 短信服务 "API 错误码") and 阿里云 "V3 版本请求体&签名机制" (ACS3-HMAC-SHA256):
the RPC-style parameters travel in the query string of a POST to "/", and the request is
signed over method, path, canonical query, the signed headers and the body's SHA-256.

What it checks, refusing like the service does:
- Authorization: ACS3-HMAC-SHA256 with a known AccessKey id, recomputed with the test
  secret (SignatureDoesNotMatch / InvalidAccessKeyId.NotFound, HTTP 400/404); host and
  every x-acs-* header signed; x-acs-content-sha256 equal to the body's hash; a fresh
  x-acs-date and an unused x-acs-signature-nonce; x-acs-action SendSms and x-acs-version
  2017-05-25;
- SendSms: an approved SignName (isv.SMS_SIGNATURE_ILLEGAL), an approved TemplateCode
  (isv.SMS_TEMPLATE_ILLEGAL), TemplateParam a JSON object naming exactly the template's
  variables (isv.TEMPLATE_MISSING_PARAMETERS / isv.TEMPLATE_PARAMS_ILLEGAL), each value at
  most 35 characters (isv.PARAM_LENGTH_LIMIT), an 11-digit mainland number
  (isv.MOBILE_NUMBER_ILLEGAL);
- `fail_next` codes are answered in turn (isv.BUSINESS_LIMIT_CONTROL, Throttling.User…).
"""

import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, urlsplit

from tests.standins.sms_server import StandinHandler, next_failure, serve

ACCESS_KEY_ID = "LTAI5tStandinKeyId"
ACCESS_KEY_SECRET = "standin-aliyun-secret"
SIGN_NAME = "考核测试"
# TemplateCode: its variables, as approved.
TEMPLATES = {"SMS_100000001": ("cycle", "deadline", "days"), "SMS_100000002": ("count",),
             "SMS_100000003": ("name", "link", "days")}
PARAM_MAX_CHARS = 35
HTTP_STATUS = {"Throttling.User": 400, "isp.SYSTEM_ERROR": 500}


def rfc3986(value):
    return quote(value, safe="-_.~")


def canonical_query(raw_query):
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    return "&".join(f"{rfc3986(k)}={rfc3986(v)}" for k, v in sorted(pairs))


def signature(method, path, raw_query, headers, signed, payload_hash, secret):
    canonical_headers = "".join(f"{h}:{headers[h].strip()}\n" for h in signed)
    request = "\n".join([method, path or "/", canonical_query(raw_query), canonical_headers,
                         ";".join(signed), payload_hash])
    to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(request.encode()).hexdigest()
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


AUTH = re.compile(r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=(\w+)$")


class AliyunSms(StandinHandler):
    def do_POST(self):
        payload = self.body()
        url = urlsplit(self.path)
        problem = self.auth_problem(url, payload)
        if problem:
            return self.error(*problem)
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        code = next_failure(self.server) or self.send_sms_problem(params)
        if code:
            return self.error(HTTP_STATUS.get(code, 200), code, f"stand-in refused: {code}")
        with self.server.lock:
            self.server.sent.append({
                "phone": params["PhoneNumbers"], "sign": params["SignName"],
                "template": params["TemplateCode"],
                "params": json.loads(params.get("TemplateParam") or "{}")})
        self.reply(200, {"Code": "OK", "Message": "OK", "BizId": f"{uuid.uuid4().int % 10**16}^0"})

    def auth_problem(self, url, payload):
        """(status, code, message) when the request is not signed as documented."""
        headers = {k.lower(): v for k, v in self.headers.items()}
        match = AUTH.match(headers.get("authorization", ""))
        if not match:
            return 400, "IncompleteSignature", "missing or malformed Authorization"
        key_id, signed, given = match.group(1), match.group(2).split(";"), match.group(3)
        if key_id != ACCESS_KEY_ID:
            return 404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
        needed = {"host"} | {h for h in headers if h.startswith("x-acs-")}
        if not needed <= set(signed) or signed != sorted(signed) \
                or not set(signed) <= set(headers):
            return 400, "IncompleteSignature", "host and every x-acs-* header must be signed"
        if headers.get("x-acs-action") != "SendSms" or headers.get("x-acs-version") != \
                "2017-05-25":
            return 400, "InvalidAction.NotFound", "Specified api is not found"
        if headers.get("x-acs-content-sha256") != hashlib.sha256(payload).hexdigest():
            return 400, "IncompleteSignature", "x-acs-content-sha256 is not the body's hash"
        if not self.fresh(headers.get("x-acs-date", ""), headers["x-acs-signature-nonce"]):
            return 400, "SignatureNonceUsed", "x-acs-date is stale or the nonce was used"
        expected = signature(self.command, url.path, url.query, headers, signed,
                             headers["x-acs-content-sha256"], ACCESS_KEY_SECRET)
        if not hmac.compare_digest(expected, given):
            with self.server.lock:
                self.server.refused.append("SignatureDoesNotMatch")
            return 400, "SignatureDoesNotMatch", ("Specified signature does not match our "
                                                  "calculation.")
        return None

    def fresh(self, date, nonce):
        try:
            at = datetime.strptime(date, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return False
        with self.server.lock:
            if nonce in self.server.nonces:
                return False
            self.server.nonces.add(nonce)
        return abs(datetime.now(UTC) - at) < timedelta(minutes=15)

    def send_sms_problem(self, params):
        if params.get("SignName") != SIGN_NAME:
            return "isv.SMS_SIGNATURE_ILLEGAL"
        names = TEMPLATES.get(params.get("TemplateCode"))
        if names is None:
            return "isv.SMS_TEMPLATE_ILLEGAL"
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return "isv.INVALID_JSON_PARAM"
        if not isinstance(values, dict) or set(values) != set(names):
            return "isv.TEMPLATE_MISSING_PARAMETERS"
        if not all(isinstance(v, str) and v for v in values.values()):
            return "isv.TEMPLATE_PARAMS_ILLEGAL"
        if any(len(v) > PARAM_MAX_CHARS for v in values.values()):
            return "isv.PARAM_LENGTH_LIMIT"
        if not re.fullmatch(r"1\d{10}", params.get("PhoneNumbers", "")):
            return "isv.MOBILE_NUMBER_ILLEGAL"
        return None

    def error(self, status, code, message):
        self.reply(status, {"Code": code, "Message": message})

    def reply(self, status, body):
        body = {**body, "RequestId": str(uuid.uuid4()).upper()}
        self.answer(status, json.dumps(body, ensure_ascii=False).encode())


def aliyun_sms():
    """Context manager: the stand-in on a free loopback port (server.sent, .fail_next)."""
    return serve(AliyunSms, nonces=set())

"""Stand-in for Tencent Cloud SMS, API 3.0 action SendSms (version 2021-01-11), as the
official SDK (tencentcloud-sdk-python-sms 3.1 over tencentcloud-sdk-python-common) calls it.

Follows 腾讯云 短信 API 文档 "发送短信 SendSms" (SmsSdkAppId, SignName, TemplateId,
TemplateParamSet, PhoneNumberSet in E.164; answer Response.SendStatusSet with Code "Ok"
per number, or Response.Error) and 腾讯云 API 3.0 "签名方法 v3" (TC3-HMAC-SHA256): a JSON
POST to "/" with X-TC-Action/-Version/-Timestamp/-Region, signed over the canonical
request (method, path, query, signed headers, the payload's SHA-256) with a key derived
from "TC3" + SecretKey, the date, the service "sms" and "tc3_request".

What it checks, refusing like the service does:
- Authorization: TC3-HMAC-SHA256 with a known SecretId (AuthFailure.SecretIdNotFound),
  a credential scope of the timestamp's UTC date and service sms, content-type and host
  signed, the signature recomputed with the test key (AuthFailure.SignatureFailure), a
  timestamp within 5 minutes (AuthFailure.SignatureExpire), X-TC-Action SendSms and
  X-TC-Version 2021-01-11;
- SendSms: the test SmsSdkAppId (FailedOperation.SmsSdkAppIdVerifyFail), an approved
  SignName (FailedOperation.SignatureIncorrectOrUnapproved) and TemplateId
  (FailedOperation.TemplateIncorrectOrUnapproved), as many parameters as the template's
  {n} (InvalidParameterValue.TemplateParameterFormatError), each at most 12 characters
  (InvalidParameterValue.TemplateParameterLengthLimit, the limit for an individually
  verified account), numbers as +86 and 11 digits (per number:
  InvalidParameterValue.IncorrectPhoneNumber);
- `fail_next` codes are answered in turn: LimitExceeded.PhoneNumber* per number in
  SendStatusSet, any other (RequestLimitExceeded…) as Response.Error.
"""

import hashlib
import hmac
import json
import re
import time
import uuid
from datetime import UTC, datetime

from tests.standins.sms_server import StandinHandler, next_failure, serve

SECRET_ID = "AKIDStandinSecretId"
SECRET_KEY = "standin-tencent-secret"
SDK_APP_ID = "1400000001"
SIGN_NAME = "考核测试"
TEMPLATES = {"1000001": 3, "1000002": 1}  # TemplateId: number of {n} parameters
PARAM_MAX_CHARS = 12

AUTH = re.compile(r"TC3-HMAC-SHA256 Credential=([^/]+)/(\d{4}-\d{2}-\d{2})/(\w+)/tc3_request,"
                  r" SignedHeaders=([^,]+), Signature=(\w+)$")


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def tc3_signature(secret_key, date, service, timestamp, canonical_request):
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", timestamp, scope,
                         hashlib.sha256(canonical_request.encode()).hexdigest()])
    key = _hmac(_hmac(_hmac(("TC3" + secret_key).encode(), date), service), "tc3_request")
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


class TencentSms(StandinHandler):
    def do_POST(self):
        payload = self.body()
        problem = self.auth_problem(payload)
        if problem:
            return self.error(problem)
        request = json.loads(payload)
        code = next_failure(self.server)
        if code and not code.startswith("LimitExceeded.PhoneNumber"):
            return self.error(code)
        problem = self.send_sms_problem(request)
        if problem:
            return self.error(problem)
        self.reply({"SendStatusSet": [self.status(request, n, code)
                                      for n in request["PhoneNumberSet"]]})

    def auth_problem(self, payload):
        headers = {k.lower(): v for k, v in self.headers.items()}
        match = AUTH.match(headers.get("authorization", ""))
        if not match:
            return "AuthFailure.InvalidAuthorization"
        secret_id, date, service, signed, given = match.groups()
        if secret_id != SECRET_ID:
            return "AuthFailure.SecretIdNotFound"
        timestamp = headers.get("x-tc-timestamp", "0")
        if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > 300:
            return "AuthFailure.SignatureExpire"
        day = datetime.fromtimestamp(int(timestamp), UTC).strftime("%Y-%m-%d")
        signed = signed.split(";")
        if service != "sms" or date != day or not {"content-type", "host"} <= set(signed):
            return "AuthFailure.InvalidAuthorization"
        if headers.get("x-tc-action") != "SendSms" or \
                headers.get("x-tc-version") != "2021-01-11":
            return "InvalidAction"
        # Header names and values in lower case, trimmed (签名方法 v3, step 1).
        canonical_headers = "".join(f"{h}:{headers.get(h, '').strip().lower()}\n"
                                    for h in signed)
        canonical = "\n".join([self.command, "/", "", canonical_headers, ";".join(signed),
                               hashlib.sha256(payload).hexdigest()])
        if not hmac.compare_digest(tc3_signature(SECRET_KEY, date, service, timestamp,
                                                 canonical), given):
            with self.server.lock:
                self.server.refused.append("AuthFailure.SignatureFailure")
            return "AuthFailure.SignatureFailure"
        return None

    def send_sms_problem(self, request):
        if request.get("SmsSdkAppId") != SDK_APP_ID:
            return "FailedOperation.SmsSdkAppIdVerifyFail"
        if request.get("SignName") != SIGN_NAME:
            return "FailedOperation.SignatureIncorrectOrUnapproved"
        count = TEMPLATES.get(request.get("TemplateId"))
        if count is None:
            return "FailedOperation.TemplateIncorrectOrUnapproved"
        values = request.get("TemplateParamSet") or []
        if len(values) != count or not all(isinstance(v, str) and v for v in values):
            return "InvalidParameterValue.TemplateParameterFormatError"
        if any(len(v) > PARAM_MAX_CHARS for v in values):
            return "InvalidParameterValue.TemplateParameterLengthLimit"
        if not request.get("PhoneNumberSet"):
            return "MissingParameter"
        return None

    def status(self, request, number, code):
        if code is None and not re.fullmatch(r"\+861\d{10}", number):
            code = "InvalidParameterValue.IncorrectPhoneNumber"
        serial = str(uuid.uuid4())
        if code is None:
            with self.server.lock:
                self.server.sent.append({
                    "phone": number, "sign": request["SignName"],
                    "template": request["TemplateId"], "params": request["TemplateParamSet"],
                    "app": request["SmsSdkAppId"]})
        return {"SerialNo": serial if code is None else "", "PhoneNumber": number,
                "Fee": 1 if code is None else 0, "SessionContext": "", "IsoCode": "CN",
                "Code": code or "Ok", "Message": "send success" if code is None else code}

    def error(self, code):
        self.reply({"Error": {"Code": code, "Message": f"stand-in refused: {code}"}})

    def reply(self, response):
        body = {"Response": {**response, "RequestId": str(uuid.uuid4())}}
        # Exactly "application/json": the SDK reads Response.Error only under this type.
        self.answer(200, json.dumps(body, ensure_ascii=False).encode(), "application/json")


def tencent_sms():
    """Context manager: the stand-in on a free loopback port (server.sent, .fail_next)."""
    return serve(TencentSms)

"""The two cloud SMS providers through their official SDKs, and their answers sorted into
"try again later" (DeliveryError) and "retrying cannot help" (PermanentDeliveryError).

- Alibaba Cloud (阿里云短信服务 Dysmsapi 2017-05-25, SendSms): the SDK signs each request
  with ACS3-HMAC-SHA256 (V3 signature) and posts the parameters (PhoneNumbers, SignName,
  TemplateCode, TemplateParam as a JSON object) as an RPC-style query; the answer's Code is
  "OK" or an error code such as isv.BUSINESS_LIMIT_CONTROL.
- Tencent Cloud (腾讯云短信 SendSms, API 3.0, version 2021-01-11): the SDK signs with
  TC3-HMAC-SHA256 and posts JSON (SmsSdkAppId, SignName, TemplateId, TemplateParamSet in
  the template's {1}, {2}… order, PhoneNumberSet in E.164); errors come as
  Response.Error, and each number's own result in SendStatusSet (Code "Ok").

The SDKs are imported when a provider is first used, so the app starts without them
when SMS goes through the generic gateway. Secrets go to the SDK only, never to a log.
"""

import json
from urllib.parse import urlsplit

from workflow_app.notifications.channels import DeliveryError, PermanentDeliveryError

TIMEOUT_MS = 15_000

# A code starting with one of these is the message's own fault (template, signature,
# number, parameters): sending it again the same way fails the same way.
ALIYUN_PERMANENT = ("isv.SMS_TEMPLATE", "isv.TEMPLATE", "isv.SMS_SIGN", "isv.SIGN",
                    "isv.MOBILE", "isv.PARAM", "isv.INVALID", "isv.SMS_CONTENT_ILLEGAL",
                    "isv.BLACK_KEY", "isv.DENY_IP_RANGE", "isv.EXTEND_CODE_ERROR",
                    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED")
TENCENT_PERMANENT = ("FailedOperation.TemplateIncorrectOrUnapproved",
                     "FailedOperation.SignatureIncorrectOrUnapproved",
                     "FailedOperation.PhoneNumberInBlacklist",
                     "FailedOperation.ContainSensitiveWord",
                     "FailedOperation.TemplateParamSetNotMatchApprovedTemplate",
                     "InvalidParameterValue", "UnsupportedOperation",
                     "MissingParameter", "InvalidParameter")


def split_endpoint(endpoint, default):
    """("https", "host[:port]") from "host", "host:port" or "http://host:port"."""
    endpoint = (endpoint or default).rstrip("/")
    if "://" not in endpoint:
        return "https", endpoint
    parts = urlsplit(endpoint)
    return parts.scheme, parts.netloc


def mainland(phone):
    """The 11 digits of a mainland number ("+86 138-0013-8000" → "13800138000");
    any other number as digits with its country code."""
    digits = "".join(c for c in phone if c.isdigit())
    if phone.strip().startswith("+"):
        return digits[2:] if digits.startswith("86") else digits
    return digits


def e164(phone):
    """"+8613800138000": Tencent wants every number with its country code."""
    if phone.strip().startswith("+"):
        return "+" + "".join(c for c in phone if c.isdigit())
    return "+86" + mainland(phone)


def refused(provider, code, message, permanent):
    cls = PermanentDeliveryError if permanent else DeliveryError
    return cls(f"{provider} SMS refused the message: {code} ({message})")


class AliyunSms:
    name = "Alibaba Cloud"
    DEFAULT_ENDPOINT = "dysmsapi.aliyuncs.com"

    def __init__(self, key_id, key_secret, endpoint="", region=""):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.models import Config

        scheme, host = split_endpoint(endpoint, self.DEFAULT_ENDPOINT)
        self.client = Client(Config(
            access_key_id=key_id, access_key_secret=key_secret, endpoint=host,
            protocol=scheme, region_id=region or "cn-hangzhou",
            connect_timeout=TIMEOUT_MS, read_timeout=TIMEOUT_MS))

    def send(self, phone, sign_name, template, params):
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from alibabacloud_tea_util.models import RuntimeOptions

        request = SendSmsRequest(phone_numbers=mainland(phone), sign_name=sign_name,
                                 template_code=template,
                                 template_param=json.dumps(params, ensure_ascii=False))
        try:
            # No retries inside the SDK: the outbox retries, with its own back-off.
            answer = self.client.send_sms_with_options(request, RuntimeOptions(autoretry=False))
        except Exception as exc:
            raise self.error(exc) from None
        body = answer.body
        if body.code != "OK":
            raise refused(self.name, body.code, body.message,
                          body.code.startswith(ALIYUN_PERMANENT))
        return body.biz_id

    def error(self, exc):
        """An SDK exception: the gateway's HTTP answer (code, message) or a network fault."""
        code = getattr(exc, "code", None)
        if code is None:  # connection refused, timeout, TLS: worth another try
            return DeliveryError(f"{self.name} SMS unreachable: {type(exc).__name__}")
        message = str(getattr(exc, "message", "") or "")[:300]
        return refused(self.name, code, message, str(code).startswith(ALIYUN_PERMANENT))


class TencentSms:
    name = "Tencent Cloud"
    DEFAULT_ENDPOINT = "sms.tencentcloudapi.com"

    def __init__(self, secret_id, secret_key, app_id, endpoint="", region=""):
        from tencentcloud.common.credential import Credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111.sms_client import SmsClient

        scheme, host = split_endpoint(endpoint, self.DEFAULT_ENDPOINT)
        profile = ClientProfile(httpProfile=HttpProfile(
            protocol=scheme, endpoint=host, reqTimeout=TIMEOUT_MS // 1000))
        self.app_id = app_id
        self.client = SmsClient(Credential(secret_id, secret_key), region or "ap-guangzhou",
                                profile)

    def send(self, phone, sign_name, template, params):
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111.models import SendSmsRequest

        request = SendSmsRequest()
        request.SmsSdkAppId, request.SignName, request.TemplateId = (
            self.app_id, sign_name, template)
        request.TemplateParamSet = list(params.values())  # {1}, {2}… in the listed order
        request.PhoneNumberSet = [e164(phone)]
        try:
            answer = self.client.SendSms(request)
        except TencentCloudSDKException as exc:
            raise self.error(exc.get_code(), exc.get_message()) from None
        status = (answer.SendStatusSet or [None])[0]
        if status is None:
            raise DeliveryError(f"{self.name} SMS answered without a send status")
        if status.Code != "Ok":
            raise self.error(status.Code, status.Message)
        return status.SerialNo

    def error(self, code, message):
        if code in ("ClientNetworkError", "ServerNetworkError"):  # no answer, or not JSON
            return DeliveryError(f"{self.name} SMS unreachable: {code}")
        return refused(self.name, code, str(message or "")[:300],
                       str(code).startswith(TENCENT_PERMANENT))

"""SMS through a cloud provider: an approved signature, an approved template per kind of
message, and the template's parameters taken from the message.

Providers send only texts they approved beforehand (a signature such as 【某某县委组织部】
and templates with variables), never free text. So with SMS_PROVIDER=aliyun or tencent:
- SMS_TEMPLATES maps a notification kind to its template code and the parameters the
  template names, in order (Tencent's {1}, {2}…; Alibaba's ${name} by name), e.g.
  {"submit_reminder": {"template": "SMS_123456789", "params": ["cycle", "deadline", "days"]},
   "review_digest": {"template": "SMS_223456789", "params": ["count"]}};
- a kind without a template is not sent by SMS: the row is skipped with NO_TEMPLATE as its
  reason, which /admin/outbox shows in the reader's language;
- the parameters are those the message was queued with (Notification.params: cycle,
  deadline, days, cadre, stage, count…) plus `name` (the recipient) and `link` (the
  item's path, e.g. "assessments/12", for a template that holds the fixed address).
  Each value is cut to the provider's limit on a variable (Alibaba: 35 characters for
  "other" variables; Tencent: 12 for an individually verified account, unlimited for an
  organisation: SMS_PARAM_MAX_CHARS overrides). Neither provider accepts a whole URL in
  a variable, hence the path.
"" / "log" / "http" keep the generic gateway (channels.sms_gateway), which sends the
message's own text; templates do not apply there.
"""

import json
from functools import lru_cache

from workflow_app.notifications.channels import PermanentDeliveryError

TEMPLATED = ("aliyun", "tencent")
FREE_TEXT = ("", "log", "http")
PARAM_MAX_CHARS = {"aliyun": 35, "tencent": 12}
# The reason stored on a skipped row; views.outbox_error translates it.
NO_TEMPLATE = "no approved SMS template (kind: {kind})"
CREDENTIALS = {"aliyun": ("ALIYUN_ACCESS_KEY_ID", "ALIYUN_ACCESS_KEY_SECRET"),
               "tencent": ("TENCENT_SECRET_ID", "TENCENT_SECRET_KEY",
                           "TENCENT_SMS_SDK_APP_ID")}


class SmsConfigError(RuntimeError):
    """Raised at start: SMS would fail for every message with this configuration."""


def templated(config):
    return config.get("SMS_PROVIDER", "") in TEMPLATED


def sms_config_problem(config):
    """Why SMS cannot work as configured, or None. Secrets are named, never shown."""
    provider = config.get("SMS_PROVIDER", "")
    if provider not in TEMPLATED + FREE_TEXT:
        return f"SMS_PROVIDER must be one of aliyun, tencent, http, log or empty: {provider!r}"
    if provider not in TEMPLATED:
        return None
    missing = [k for k in (*CREDENTIALS[provider], "SMS_SIGN_NAME") if not config.get(k)]
    if missing:
        return f"SMS_PROVIDER={provider} needs {', '.join(missing)}"
    try:
        templates(config)
    except ValueError as exc:
        return str(exc)
    return None


def settle_sms(config):
    """Refuse to start with an SMS configuration that could send nothing."""
    problem = sms_config_problem(config)
    if problem:
        raise SmsConfigError(problem)


def templates(config):
    """{kind: (template code, [parameter names])} from SMS_TEMPLATES (JSON)."""
    return _parse_templates(config.get("SMS_TEMPLATES") or "")


@lru_cache(maxsize=8)
def _parse_templates(raw):
    try:
        table = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise ValueError("SMS_TEMPLATES is not valid JSON") from None
    if not isinstance(table, dict):
        raise ValueError('SMS_TEMPLATES must be a JSON object: {"kind": {"template": …}}')
    return {kind: _template_entry(kind, entry) for kind, entry in table.items()}


def _template_entry(kind, entry):
    entry = {"template": entry} if isinstance(entry, str) else entry
    code = entry.get("template") if isinstance(entry, dict) else None
    names = entry.get("params", []) if isinstance(entry, dict) else None
    if not isinstance(code, str) or not code.strip() or not isinstance(names, list) \
            or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f'SMS_TEMPLATES["{kind}"] must be {{"template": "code", '
                         f'"params": ["name", …]}}')
    return code.strip(), list(names)


def refusal(note, config):
    """Why this SMS will not be sent at all ("" when it can be): no approved template."""
    if templated(config) and note.kind not in templates(config):
        return NO_TEMPLATE.format(kind=note.kind)
    return ""


def template_params(note, names, limit):
    """{name: value} in the template's order, each value cut to `limit` characters."""
    known = _known_params(note)
    missing = [n for n in names if n not in known]
    if missing:
        raise PermanentDeliveryError(
            f"the SMS template for {note.kind} names {', '.join(missing)}, which this "
            f"message does not carry (it has: {', '.join(sorted(known))})")
    return {n: " ".join(known[n].split())[:limit] if limit else known[n] for n in names}


def _known_params(note):
    try:
        stored = json.loads(note.params) if note.params else {}
    except ValueError:
        stored = {}
    return {"name": note.user.display_name, "link": (note.link or "").lstrip("/"),
            **{k: str(v) for k, v in stored.items()}}


def send_templated(note, address, config):
    """Send `note` with its kind's template; the provider's message id."""
    code, names = templates(config)[note.kind]
    provider = config["SMS_PROVIDER"]
    limit = config.get("SMS_PARAM_MAX_CHARS") or PARAM_MAX_CHARS[provider]
    params = template_params(note, names, limit)
    return client(config).send(address, config["SMS_SIGN_NAME"], code, params)


def client(config):
    keys = (config["SMS_PROVIDER"], config.get("SMS_PROVIDER_ENDPOINT", ""),
            config.get("SMS_REGION", ""),
            *(config.get(k, "") for k in CREDENTIALS[config["SMS_PROVIDER"]]))
    return _client(keys)


@lru_cache(maxsize=4)
def _client(keys):
    """One SDK client per configuration (it keeps its HTTP connections)."""
    from workflow_app.notifications.sms_sdk import AliyunSms, TencentSms

    provider, endpoint, region, *secrets = keys
    if provider == "aliyun":
        return AliyunSms(*secrets, endpoint=endpoint, region=region)
    return TencentSms(*secrets, endpoint=endpoint, region=region)

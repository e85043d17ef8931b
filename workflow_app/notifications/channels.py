"""Delivery channels: in-app, email (SMTP) and SMS (an HTTP gateway, or a cloud provider's
templates: notifications.sms_providers).

A channel answers two questions: where does this user get messages (`address`,
empty when they have none) and how is one sent (`send`, raising on failure so
the dispatcher can retry). Configuration comes from the app config (DESIGN.md §6).
"""

import json
import logging
import smtplib
import ssl
import urllib.request
from datetime import datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate
from urllib.error import HTTPError

from flask import current_app

from workflow_app.clock import as_utc
from workflow_app.links import absolute, base_url
from workflow_app.notifications.dingtalk import DingTalkChannel
from workflow_app.notifications.wecom import WeComChannel
from workflow_app.workcalendar import LOCAL_TZ

log = logging.getLogger(__name__)

SMS_MAX_CHARS = 70  # one Chinese SMS; longer texts are split and billed as several
TIMEOUT_SECONDS = 15


class DeliveryError(Exception):
    """A delivery attempt failed in a way worth retrying later."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (an unapproved template or signature, an invalid number):
    the dispatcher makes the row a dead letter at once instead of burning retries."""


class InAppChannel:
    name = "in_app"

    def address(self, user):
        return str(user.id)

    def defer_until(self, now):
        return None

    def send(self, note, address):
        """Nothing to transmit: the row itself is the in-app message."""


class EmailChannel:
    name = "email"

    def address(self, user):
        return user.email

    def defer_until(self, now):
        return None

    def send(self, note, address):
        config = current_app.config
        message = build_email(note, address, config)
        if config["SMTP_HOST"] == "log:":  # the demo without a mail server
            log.info("email to %s: %s", address, note.subject)
            return
        with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]),
                          timeout=config.get("SMTP_TIMEOUT", TIMEOUT_SECONDS)) as smtp:
            if config.get("SMTP_STARTTLS"):
                # SMTP_CA_FILE: trust a private CA (an internal mail relay); default: system CAs.
                smtp.starttls(context=ssl.create_default_context(
                    cafile=config.get("SMTP_CA_FILE") or None))
            if config.get("SMTP_USERNAME"):
                smtp.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
            smtp.send_message(message)


def build_email(note, address, config):
    """Plain text plus a simple HTML part; EmailMessage encodes the Chinese subject."""
    message = EmailMessage()
    message["Subject"] = note.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = Address(display_name=note.user.display_name, addr_spec=address)
    message["Date"] = formatdate(localtime=False)
    # A stable id per notification lets mail systems drop a rare repeat delivery.
    domain = config["MAIL_FROM"].rpartition("@")[2] or "kaohe.local"
    message["Message-ID"] = f"<kaohe-notification-{note.id}@{domain}>"
    context = {"note": note, "url": absolute_link(note.link),
               "name": note.user.display_name}
    message.set_content(_render("emails/notification.txt", context))
    message.add_alternative(_render("emails/notification.html", context), subtype="html")
    return message


def _render(name, context):
    """templates/emails/*, rendered without the web pages' context (no request here)."""
    return current_app.jinja_env.get_template(name).render(**context)


def absolute_link(link):
    """The message's link under PUBLIC_BASE_URL; without one the email goes out without
    a link (its text still says what to do) rather than not at all."""
    if not link or not base_url():
        return ""
    return absolute(link)


class LogGateway:
    """No gateway configured (or "log:"): write the SMS to the log; for demos and tests."""

    def send(self, phone, text):
        log.info("SMS to %s: %s", phone, text)


class HttpJsonGateway:
    """POST {"to": phone, "text": text} as JSON; any 2xx answer counts as accepted."""

    def __init__(self, url):
        self.url = url

    def send(self, phone, text):
        body = json.dumps({"to": phone, "text": text}, ensure_ascii=False).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"})
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                response.read()
        except HTTPError as exc:
            exc.close()  # the error carries an open response; close it, do not leak it
            raise DeliveryError(f"SMS gateway answered HTTP {exc.code}") from None


def sms_gateway(url):
    """Pick the adapter from SMS_GATEWAY_URL: empty or "log:" logs, http(s) posts JSON."""
    if not url or url.startswith("log:"):
        return LogGateway()
    if url.startswith(("http://", "https://")):
        return HttpJsonGateway(url)
    raise DeliveryError(f"unsupported SMS_GATEWAY_URL scheme: {url.split(':', 1)[0]}")


class SmsChannel:
    name = "sms"

    def address(self, user):
        return user.phone

    def defer_until(self, now):
        """Quiet hours (default 22:00–08:00 Beijing time): SMS waits for the morning."""
        hours = current_app.config.get("SMS_QUIET_HOURS", (22, 8))
        if not hours:
            return None
        start, end = hours
        local = as_utc(now).astimezone(LOCAL_TZ)
        h = local.hour
        quiet = (h >= start or h < end) if start > end else start <= h < end
        if not quiet:
            return None
        day = local.date() + timedelta(days=1 if h >= end else 0)
        # Stored in UTC: SQLite keeps no zone, so everything written is UTC.
        return as_utc(datetime.combine(day, time(end), tzinfo=LOCAL_TZ))

    def refusal(self, note):
        """Why this message is never sent by SMS ("" when it is): with a cloud provider,
        a kind without an approved template (notifications.sms_providers)."""
        from workflow_app.notifications.sms_providers import refusal

        return refusal(note, current_app.config)

    def send(self, note, address):
        from workflow_app.notifications import sms_providers

        config = current_app.config
        if sms_providers.templated(config):
            sms_providers.send_templated(note, address, config)
            return
        url = config.get("SMS_GATEWAY_URL", "")
        gateway = LogGateway() if config.get("SMS_PROVIDER") == "log" else sms_gateway(url)
        gateway.send(address, sms_text(note.body))


def sms_text(body):
    body = " ".join(body.split())
    return body if len(body) <= SMS_MAX_CHARS else body[:SMS_MAX_CHARS - 1] + "…"


CHANNELS = {c.name: c for c in (InAppChannel(), EmailChannel(), SmsChannel(),
                                 DingTalkChannel(), WeComChannel())}

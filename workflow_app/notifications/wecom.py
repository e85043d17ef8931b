"""WeCom (企业微信, and 政务微信 on its own host) application messages.

Follows WeCom's documents "获取access_token" (GET /cgi-bin/gettoken with corpid and
corpsecret; expires_in 7200; cache it, fetch again when it is invalid or expired) and
"发送应用消息" (POST /cgi-bin/message/send?access_token=… with touser, msgtype,
agentid). The notice is a text card (msgtype "textcard": title, description, url,
btntxt) with enable_duplicate_check on, so a retry after a lost answer is not shown twice
within duplicate_check_interval.

Documented limits ("访问频率限制"): an app may send a member at most 30 messages a
minute and 1000 an hour, and WeCom drops the excess without an error: this process
stays under both. 45009 (frequency limit) and -1 (system busy) are retried later.
"""

import re
from html import escape

from flask_babel import lazy_gettext as _l

from workflow_app.notifications.workapps import WorkAppChannel, clip_bytes, in_locale

# 40014 invalid access_token, 42001 access_token expired.
TOKEN_INVALID = frozenset({40014, 42001})
# -1 系统繁忙, 45009 接口调用超过限制, 45033 接口并发调用超过限制.
RATE_LIMITED = frozenset({-1, 45009, 45033})
TITLE_BYTES, DESCRIPTION_BYTES, BUTTON_CHARS = 128, 512, 4  # textcard limits
DUPLICATE_CHECK_SECONDS = 1800  # the documented default interval
BUTTON = _l("Details")


class WeComChannel(WorkAppChannel):
    name = "wecom"
    TOKEN_PATH = "/cgi-bin/gettoken"
    SEND_PATH = "/cgi-bin/message/send"
    TOKEN_INVALID = TOKEN_INVALID
    RATE_LIMITED = RATE_LIMITED
    APP_RATE = ((100, 1),)  # well under 10,000 calls a minute per corp
    RECIPIENT_RATE = ((30, 60), (1000, 3600))

    @staticmethod
    def token_query(key, secret):
        return {"corpid": key, "corpsecret": secret}

    def message(self, note, address, agent, link):
        # The description is HTML (WeCom styles <div class="gray">…): the text is escaped.
        return {"touser": address, "msgtype": "textcard", "agentid": int(agent),
                "textcard": {"title": clip_bytes(note.subject, TITLE_BYTES),
                             "description": _description(note.body),
                             "url": link,
                             "btntxt": in_locale(note.user, BUTTON)[:BUTTON_CHARS]},
                "enable_duplicate_check": 1,
                "duplicate_check_interval": DUPLICATE_CHECK_SECONDS}

    def check(self, answer, address):
        """errcode 0 with the recipient listed as invaliduser: not delivered."""
        invalid = str(answer.get("invaliduser") or "").lower().split("|")
        if answer.get("errcode") == 0 and address.lower() in invalid:
            answer = {"errcode": 81013, "errmsg": f"invaliduser {address}"}
        super().check(answer, address)


def _description(body):
    """The body as escaped HTML within the byte limit, no entity cut in half."""
    return _CUT_ENTITY.sub("", clip_bytes(escape(body), DESCRIPTION_BYTES))


_CUT_ENTITY = re.compile(r"&[#a-zA-Z0-9]*$")

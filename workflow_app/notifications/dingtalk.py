"""DingTalk work notices (工作通知) from an enterprise internal app (企业内部应用).

Follows DingTalk's documents "获取企业内部应用的access_token" (GET /gettoken with appkey
and appsecret; expires_in 7200, reuse it) and "发送工作通知"
(POST /topapi/message/corpconversation/asyncsend_v2?access_token=… with agent_id,
userid_list and msg). The notice is an OA message (msgtype "oa"): the subject and the
text as plain text (no markdown, so a comment quoted in a notice cannot become a link)
and message_url, the link that opens the item.

Documented limits kept here: 20 calls a second per app and API (enterprise internal
apps), 500 notices a day per person and app. DingTalk also drops, silently, a second
notice with the same content to the same person on the same day (an hourly digest saying
"3 reports waiting" twice, say): the content ends with the time the notice was queued,
which a retry of the same row keeps (so a repeat after a lost answer is still dropped).
The API base can be changed (DINGTALK_API_BASE) for a gateway that speaks the same API.
专有钉钉 (浙政钉, 政务钉钉) speaks another one: DINGTALK_PLATFORM = "zwding" hands the
sending to zwding.py.
"""

from flask_babel import lazy_gettext as _l

from workflow_app.clock import as_utc
from workflow_app.notifications.workapps import WorkAppChannel, dingtalk_platform, in_locale
from workflow_app.workcalendar import LOCAL_TZ

# 40014 不合法的access_token, 42001 access_token超时, 40001 access_token无效.
TOKEN_INVALID = frozenset({40014, 42001, 40001})
# -1 系统繁忙; 90002/90005/90006/90018 call frequency limits; 143103/143104 QPM of
# notices sent; 143105 a person's daily number; 143106 same content to a person today.
RATE_LIMITED = frozenset({-1, 90002, 90005, 90006, 90018, 143103, 143104, 143105, 143106})
TITLE_CHARS = 50  # "消息体的标题，建议50个字符以内"
# The head of an OA notice; DingTalk shows the app's name there in work notices.
APP_NAME = _l("Kaohe")


class DingTalkChannel(WorkAppChannel):
    name = "dingtalk"
    TOKEN_PATH = "/gettoken"
    SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
    TOKEN_INVALID = TOKEN_INVALID
    RATE_LIMITED = RATE_LIMITED
    APP_RATE = ((20, 1),)
    RECIPIENT_RATE = ((500, 24 * 3600),)

    @staticmethod
    def token_query(key, secret):
        return {"appkey": key, "appsecret": secret}

    def send(self, note, address):
        if dingtalk_platform() == "zwding":
            # Imported here: zwding.py builds its notice with this class.
            from workflow_app.notifications.zwding import ZwDingChannel

            return ZwDingChannel().send(note, address)
        return super().send(note, address)

    def message(self, note, address, agent, link):
        return {"agent_id": int(agent), "userid_list": address, "msg": {
            "msgtype": "oa",
            "oa": {"message_url": link, "pc_message_url": link,
                   "head": {"bgcolor": "FFBBBBBB", "text": in_locale(note.user, APP_NAME)},
                   "body": {"title": note.subject[:TITLE_CHARS], "content": _content(note)}}}}


def _content(note):
    queued = as_utc(note.created_at).astimezone(LOCAL_TZ) if note.created_at else None
    return f"{note.body}\n{queued:%Y-%m-%d %H:%M}" if queued else note.body

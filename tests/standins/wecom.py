"""A WeCom (企业微信) server API stand-in (qyapi.weixin.qq.com) for application messages.

After WeCom's "获取access_token": GET /cgi-bin/gettoken?corpid=&corpsecret= answers
{errcode 0, access_token, expires_in 7200}, the same token while it lives; a wrong
secret answers 40001. After "发送应用消息": POST /cgi-bin/message/send?access_token=
with a JSON body:
  - the token must be the live one: 40014 (invalid access_token) otherwise, 42001
    (access_token expired) for one the stand-in expired;
  - agentid is the app's (a number); touser one known UserID (no "|" list); msgtype
    "textcard" with textcard.title (≤ 128 bytes), description (≤ 512 bytes),
    url (the link, starting with `link_prefix`) and btntxt (≤ 4 characters);
    enable_duplicate_check 1. Anything else answers 40035 (不合法的参数); an unknown
    touser answers 81013 (all recipients invalid), as WeCom does.
Accepted sends answer {errcode 0, invaliduser "", msgid}; queued `answers` come first.
"""

from tests.standins.loopback import running
from tests.standins.workapp import WorkAppServer

TOKEN_INVALID, TOKEN_EXPIRED, BAD_PARAMETER, BAD_CREDENTIALS = 40014, 42001, 40035, 40001
FREQUENCY_LIMIT = 45009  # 接口调用超过限制
NO_VALID_RECIPIENT = 81013


class WeComServer(WorkAppServer):
    TOKEN_PATH = "/cgi-bin/gettoken"
    SEND_PATH = "/cgi-bin/message/send"
    TOKEN_INVALID, TOKEN_EXPIRED = TOKEN_INVALID, TOKEN_EXPIRED
    BAD_PARAMETER, BAD_CREDENTIALS = BAD_PARAMETER, BAD_CREDENTIALS
    link_prefix = "https://"

    def credentials_ok(self, query):
        return query.get("corpid") == self.key and query.get("corpsecret") == self.secret

    def send(self, query, body):
        answer = super().send(query, body)
        if answer.get("errcode") == BAD_PARAMETER and self.problems[-1:] == ["touser"]:
            answer = {"errcode": NO_VALID_RECIPIENT, "errmsg": "no valid recipient"}
        return answer

    def check_message(self, body):
        problems = []
        if body.get("agentid") != int(self.agent_id):
            problems.append("agentid")
        card = body.get("textcard") or {}
        if body.get("msgtype") != "textcard":
            problems.append("msgtype")
        if not card.get("title") or len(card["title"].encode("utf-8")) > 128:
            problems.append("textcard.title")
        if not card.get("description") or len(card["description"].encode("utf-8")) > 512:
            problems.append("textcard.description")
        if not str(card.get("url", "")).startswith(self.link_prefix):
            problems.append("textcard.url")
        if not card.get("btntxt") or len(card["btntxt"]) > 4:
            problems.append("textcard.btntxt")
        if body.get("enable_duplicate_check") != 1:
            problems.append("enable_duplicate_check")
        if body.get("touser") not in self.users:
            problems.append("touser")  # last: such a refusal is answered 81013
        return problems

    def accepted(self, body):
        return {"errcode": 0, "errmsg": "ok", "invaliduser": "",
                "msgid": f"msg{len(self.received)}"}


def wecom_standin(users, key="ww-corp-id", secret="wecom-secret", agent_id="1000002"):
    return running(WeComServer(key, secret, agent_id, users))

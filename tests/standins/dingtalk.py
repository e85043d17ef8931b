"""A DingTalk open platform stand-in (oapi.dingtalk.com) for work notices.

After DingTalk's "获取企业内部应用的access_token": GET /gettoken?appkey=&appsecret=
answers {errcode 0, access_token, expires_in 7200}, the same token while it lives; wrong
credentials answer 40089. After "发送工作通知":
POST /topapi/message/corpconversation/asyncsend_v2?access_token= with a JSON body:
  - the token must be the live one: 40014 (不合法的access_token) otherwise, 42001
    (access_token超时) for one the stand-in expired;
  - agent_id is the app's (a number), userid_list one known userid (no list of several),
    msg.msgtype "oa" with oa.message_url and oa.pc_message_url (the link, which must
    start with `link_prefix`), oa.head.text, oa.body.title (≤ 50 characters) and
    oa.body.content non-empty; anything else answers 40035 (不合法的参数).
Accepted sends answer {errcode 0, task_id}; errcodes queued in `answers` come first.
As documented, the same content to the same person on the same day is accepted but not
delivered: such a send goes to `dropped`, not `received`.
"""

import json

from tests.standins.loopback import running
from tests.standins.workapp import WorkAppServer

TOKEN_INVALID, TOKEN_EXPIRED, BAD_PARAMETER, BAD_CREDENTIALS = 40014, 42001, 40035, 40089
QPS_LIMIT = 90018  # 当前企业应用调用该接口超过每秒的调用频率限制


class DingTalkServer(WorkAppServer):
    TOKEN_PATH = "/gettoken"
    SEND_PATH = "/topapi/message/corpconversation/asyncsend_v2"
    TOKEN_INVALID, TOKEN_EXPIRED = TOKEN_INVALID, TOKEN_EXPIRED
    BAD_PARAMETER, BAD_CREDENTIALS = BAD_PARAMETER, BAD_CREDENTIALS
    link_prefix = "https://"

    def __init__(self, *args):
        super().__init__(*args)
        self.seen, self.dropped = set(), []

    def send(self, query, body):
        answer = super().send(query, body)
        if answer.get("errcode") == 0:
            content = (body["userid_list"], json.dumps(body["msg"], sort_keys=True))
            with self.lock:
                if content in self.seen:  # one stand-in lives within one day
                    self.dropped.append(self.received.pop())
                self.seen.add(content)
        return answer

    def credentials_ok(self, query):
        return query.get("appkey") == self.key and query.get("appsecret") == self.secret

    def check_message(self, body):
        problems = []
        if body.get("agent_id") != int(self.agent_id):
            problems.append(f"agent_id {body.get('agent_id')!r}")
        if body.get("userid_list") not in self.users:
            problems.append(f"userid_list {body.get('userid_list')!r}")
        msg = body.get("msg") or {}
        oa = msg.get("oa") or {}
        if msg.get("msgtype") != "oa":
            problems.append(f"msgtype {msg.get('msgtype')!r}")
        for name in ("message_url", "pc_message_url"):
            if not str(oa.get(name, "")).startswith(self.link_prefix):
                problems.append(f"oa.{name} {oa.get(name)!r}")
        title, content = (oa.get("body") or {}).get("title"), (oa.get("body") or {}).get(
            "content")
        if not title or len(title) > 50 or not content:
            problems.append("oa.body title/content")
        if not (oa.get("head") or {}).get("text"):
            problems.append("oa.head.text")
        return problems

    def accepted(self, body):
        return {"errcode": 0, "errmsg": "ok", "task_id": 256271667526 + len(self.received),
                "request_id": "4jzllmte0wau"}


def dingtalk_standin(users, key="ding-app-key", secret="ding-secret", agent_id="2001"):
    return running(DingTalkServer(key, secret, agent_id, users))

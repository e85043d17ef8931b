"""One assessment through every state of DESIGN.md §3, using only the web UI's forms."""

from sqlalchemy import select

from tests.factories import CONFIRMED, exclude_unfinished
from tests.web.conftest import report_form
from workflow_app.assessments.models import Assessment
from workflow_app.extensions import db


def _report_form(aid):
    return report_form(aid, "submit")


class Walk:
    def __init__(self, auth, fresh, aid):
        self.auth, self.fresh, self.aid, self.sessions = auth, fresh, aid, {}

    def web(self, username):
        if username not in self.sessions:
            self.sessions[username] = self.auth.user(username)
        return self.sessions[username]

    def state(self):
        return self.fresh(Assessment, self.aid).state

    def fire(self, username, event, expect, **fields):
        data = {f"{event}-{k}": str(v) for k, v in fields.items()}
        resp = self.web(username).post(f"/assessments/{self.aid}/events/{event}", data)
        assert resp.status_code in (302, 303), (event, resp.status_code)
        assert self.state() == expect, (event, self.state())

    def admin_cycle(self, action, cycle_id):
        resp = self.web("admin").post(f"/admin/cycles/{cycle_id}/{action}", CONFIRMED)
        assert resp.status_code in (302, 303)

    def reviews(self, committee_score):
        self.fire("com_a1", "approve", "secretary_approval", score=committee_score)
        self.fire("sec_a", "approve", "approved")

    def grade_and_publish(self, cycle_id):
        self.admin_cycle("grade", cycle_id)
        self.admin_cycle("publish", cycle_id)
        assert self.state() == "published"


def test_every_state_through_the_web_forms(auth, world, create_cycle, fresh, clock):
    cycle = create_cycle()
    aid = db.session.scalar(select(Assessment.id).where(Assessment.cadre_id == world.a1.id))
    walk = Walk(auth, fresh, aid)
    assert walk.web("a1").post("/my", _report_form(aid)).status_code in (302, 303)
    assert walk.state() == "supervisor_review"
    walk.fire("sup_a", "send_back", "drafting", comment="请补充")
    assert walk.web("a1").post("/my", _report_form(aid)).status_code in (302, 303)
    walk.fire("sup_a", "approve", "committee_review", score=92)
    walk.reviews(95)
    exclude_unfinished(cycle, world.admin)  # the colleagues are on leave this quarter
    walk.grade_and_publish(cycle.id)
    walk.fire("a2", "dispute", "disputed", reason="评分偏高")
    walk.fire("admin", "dismiss", "published", reason="经核实无误")
    walk.fire("a1", "dispute", "disputed", reason="漏记重点工作")
    walk.fire("admin", "uphold", "committee_review", comment="重新审议")
    walk.reviews(93)
    walk.grade_and_publish(cycle.id)
    clock.advance(days=14)
    walk.fire("admin", "finalize", "final")
    walk.fire("a1", "appeal", "appealed", reason="申请复核")
    walk.fire("admin", "grant", "committee_review")
    walk.reviews(89)
    walk.grade_and_publish(cycle.id)
    clock.advance(days=14)
    walk.fire("admin", "finalize", "final")
    walk.fire("a1", "appeal", "appealed", reason="仍有异议")
    walk.fire("admin", "deny", "final", reason="维持原结果")
    page = walk.web("a1").get(f"/assessments/{aid}").get_data(as_text=True)
    for label in ("已备案", "申诉复核中", "异议处理中", "公示中", "两委会审议"):
        assert label in page

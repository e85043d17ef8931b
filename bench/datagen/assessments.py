"""One assessment's history: steps, reviews, committee votes, reports, notifications."""

from datetime import timedelta
from decimal import Decimal

from bench.datagen.shape import CONTENT, OPEN_MIX


class AssessmentsMixin:
    def _open_assessment(self, cyc, aid, cadre, leaf, sup):
        r = self.rng.random()
        target = OPEN_MIX[-1][0]
        for state, share in OPEN_MIX:
            if r < share:
                target = state
                break
            r -= share
        staff = self.leaf_staff[leaf]
        steps = ["open"]
        path = ["drafting", "supervisor_review", "committee_review", "secretary_approval",
                "approved"]
        steps += path[1:path.index(target) + 1]
        self._assessment(cyc, aid, cadre, leaf, sup, staff, steps, final=False)
        if target == "drafting":
            self._notify(cadre, "cycle_opened", f"c{cyc['id']}:opened", cyc["opens"],
                         "pending", "/my")

    def _final_assessment(self, cyc, aid, cadre, leaf, sup):
        staff = self.leaf_staff[leaf]
        steps = ["open", "supervisor_review"]
        if self.rng.random() < 0.4:
            steps += ["send_back", "supervisor_review"]
        steps += ["committee_review", "secretary_approval", "approved", "published"]
        if self.rng.random() < 0.02:
            steps += ["disputed", "dismissed"]
        steps += ["final"]
        return self._assessment(cyc, aid, cadre, leaf, sup, staff, steps, final=True)

    def _assessment(self, cyc, aid, cadre, leaf, sup, staff, steps, final):
        rng = self.rng
        at = cyc["opens"]
        end = cyc["published"] - timedelta(hours=3) if final else self.now - timedelta(hours=1)
        span = (end - at) / (len(steps) + 1)
        entries, state, revision = [], "drafting", 1
        score = Decimal(rng.randint(6000, 9900)) / 100
        report_id = self.ids("self_report")
        submitted_at = None
        members = staff["committee"]
        stage_seq = 1
        for step in steps:
            at = at + span * (0.5 + rng.random())
            if step == "open":
                entries.append({"actor_id": None, "actor_role": "system", "action": "open",
                                    "to_state": "drafting", "at": cyc["opens"]})
                at = cyc["opens"]
                continue
            if step == "supervisor_review" and state == "drafting":
                entries.append(self._move(cadre, "cadre", "submit", state, step, at))
                submitted_at = at
            elif step == "send_back":
                self._review(aid, state, sup, "send_back", None, revision, at, "请补充材料")
                entries.append(self._move(sup, "supervisor", "send_back", state, "drafting", at,
                                          comment="请补充材料"))
                self.w.add("self_report", (report_id, aid, revision, CONTENT, submitted_at, at,
                                           2))
                revision += 1
                report_id = self.ids("self_report")
                step = "drafting"
            elif step == "committee_review":
                self._review(aid, state, sup, "approve", score, revision, at, "同意")
                entries.append(self._move(sup, "supervisor", "approve", state, step, at,
                                          data={"score": str(score)}))
            elif step == "secretary_approval":
                # Majority of three: the first vote is recorded, the second closes the stage.
                vote_at = at - span / 3
                entries.append(self._move(members[0], "committee", "committee_vote", state,
                                          state, vote_at, data={"score": str(score)}))
                if not final:
                    self._vote(aid, members[0], len(entries) - 0, revision, score, vote_at,
                               stage_seq)
                    self._vote(aid, members[1], len(entries) - 0, revision, score, at,
                               stage_seq)
                self._review(aid, state, members[1], "approve", score, revision, at, "")
                entries.append(self._move(members[1], "committee", "approve", state, step, at,
                                          data={"score": str(score), "member_score":
                                                str(score)}))
            elif step == "approved":
                self._review(aid, state, staff["secretary"], "approve", None, revision, at, "")
                entries.append(self._move(staff["secretary"], "secretary", "approve", state,
                                          step, at))
            elif step == "published":
                at = cyc["published"]
                entries.append(self._move(1, "org_admin", "publish", state, step, at))
            elif step == "disputed":
                at = cyc["published"] + timedelta(days=2)
                entries.append(self._move(cadre, "cadre", "dispute", state, step, at,
                                          data={"reason": "对等次有异议"}))
                self.w.add("objection", (self.ids("objection"), aid, "dispute", cadre,
                                         "对等次有异议", "dismissed", "经复核维持原等次", 1,
                                         {"score": str(score)}, at, at + timedelta(days=1)))
            elif step == "dismissed":
                at = cyc["published"] + timedelta(days=3)
                entries.append(self._move(1, "org_admin", "dismiss", state, "published", at,
                                          data={"reason": "经复核维持原等次"}))
                step = "published"
            elif step == "final":
                at = cyc["ends"]
                entries.append(self._move(None, "system", "finalize", state, step, at))
            if step != state:
                stage_seq = len(entries) + 0
            state = step
        self.w.add("self_report", (report_id, aid, revision,
                                   CONTENT if state != "drafting" or rng.random() < 0.5 else {},
                                   submitted_at if state != "drafting" else None,
                                   submitted_at or cyc["opens"], 1))
        head, version, head_mac = self._chain("assessment", aid, entries)
        grade = None
        if final:
            grade = ("好" if score >= 90 else "较好" if score >= 75 else "一般" if score >= 60
                     else "较差") if cyc["kind"] == "quarterly" else (
                "优秀" if score >= 90 else "称职" if score >= 70 else "基本称职")
        due = None
        if state == "drafting":
            due = cyc["deadline"]
        elif state in ("supervisor_review", "committee_review", "secretary_approval"):
            due = at + timedelta(days=3 + rng.randint(0, 4))
        self.w.add("assessment", (
            aid, cyc["id"], cadre, leaf, state, version, score if final else None, grade,
            None, [], head, head_mac, version, at if state != "drafting" else cyc["opens"],
            cyc["opens"], stage_seq, due))
        if not final and state in ("supervisor_review", "committee_review",
                                   "secretary_approval"):
            who = {"supervisor_review": [sup], "committee_review": staff["committee"],
                   "secretary_approval": [staff["secretary"]]}[state]
            for uid in who:
                self._notify(uid, "review_waiting", f"a{aid}:v{version}:review_waiting", at,
                             "sent", f"/assessments/{aid}")
        return score

    def _move(self, actor, role, action, source, dest, at, comment="", data=None):
        return {"actor_id": actor, "actor_role": role, "action": action, "from_state": source,
                    "to_state": dest, "at": at, "comment": comment, "data": data or {}}

    def _review(self, aid, stage, reviewer, decision, score, revision, at, comment):
        self.w.add("review", (self.ids("review"), aid, stage, reviewer, decision, score,
                              comment, revision, at))

    def _vote(self, aid, member, _n, revision, score, at, round_):
        self.w.add("committee_vote", (self.ids("committee_vote"), aid, member, round_,
                                      revision, "approve", score, "", at))

    def _notify(self, user, kind, key, at, status, link):
        dedup = f"{key}:{user}:in_app"
        self.w.add("notification", (
            self.ids("notification"), user, "in_app", kind, dedup, "考核提醒", "请及时处理。",
            link, status, 1 if status == "sent" else 0, "", at, at,
            at if status == "sent" else None, None))

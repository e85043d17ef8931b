"""平时考核: the quarterly workflow of DESIGN.md §3.

cadre submits → supervisor signs off → two committees / panel review (only when
the cycle has a committee stage) → party secretary approves → graded and
published (公示) → disputes → final (备案) → appeals.
"""

from workflows.common import build
from workflows.definition import OPTIONAL

STAGES = [
    ("supervisor_review", "supervisor", OPTIONAL, None),
    ("committee_review", "committee", "required_if:committee_scores", "committee_stage"),
    ("secretary_approval", "secretary", OPTIONAL, None),
]

# An upheld dispute or granted appeal goes back to the stage that scores:
# the committee when the cycle has one, otherwise the supervisor.
REREVIEW = [
    ("committee_review", ("committee_stage",), ()),
    ("supervisor_review", (), ("committee_stage",)),
]

V1 = build("quarterly", 1, STAGES, REREVIEW, excludable=False, abstain=False)
# v2: org_admin may exclude (不参加本次考核) from drafting or any review stage.
V2 = build("quarterly", 2, STAGES, REREVIEW, abstain=False)
# v3: a committee member may abstain (弃权) as well as approve (同意) or send back (不同意).
V3 = build("quarterly", 3, STAGES, REREVIEW)
VERSIONS = (V1, V2, V3)

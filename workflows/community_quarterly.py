"""社区工作者考核 (汶上县 practice): 两委会 → 社区党委书记 → 包社区领导干部.

The three-level review always includes the two committees; the contact leader
(包联领导) is the community worker's supervisor link.
"""

from workflows.common import build
from workflows.definition import OPTIONAL, REQUIRED

STAGES = [
    ("committee_review", "committee", REQUIRED, None),
    ("secretary_approval", "secretary", OPTIONAL, None),
    ("leader_review", "supervisor", OPTIONAL, None),
]
REREVIEW = [("committee_review", (), ())]

V1 = build("community_quarterly", 1, STAGES, REREVIEW, excludable=False, abstain=False)
# v2: org_admin may exclude (不参加本次考核) from drafting or any review stage.
V2 = build("community_quarterly", 2, STAGES, REREVIEW, abstain=False)
# v3: a committee member may abstain (弃权) as well as approve (同意) or send back (不同意).
V3 = build("community_quarterly", 3, STAGES, REREVIEW)
VERSIONS = (V1, V2, V3)

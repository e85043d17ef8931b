"""年度考核: the annual workflow. Same review chain as the quarterly one; what
differs is the scoring roll-up (DESIGN.md §4), not the approval path."""

from workflows.common import build
from workflows.quarterly import REREVIEW, STAGES

V1 = build("annual", 1, STAGES, REREVIEW, excludable=False, abstain=False)
# v2: org_admin may exclude (不参加本次考核) from drafting or any review stage.
V2 = build("annual", 2, STAGES, REREVIEW, abstain=False)
# v3: a committee member may abstain (弃权) as well as approve (同意) or send back (不同意).
V3 = build("annual", 3, STAGES, REREVIEW)
VERSIONS = (V1, V2, V3)

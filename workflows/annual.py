"""年度考核: the annual workflow. Same review chain as the quarterly one; what
differs is the scoring roll-up (DESIGN.md §4), not the approval path."""

from workflows.common import build
from workflows.quarterly import REREVIEW, STAGES

V1 = build("annual", 1, STAGES, REREVIEW)
VERSIONS = (V1,)

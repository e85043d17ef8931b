"""社区工作者月度自评 (汶上县 practice): every month each community worker fills the
月度自评量化赋分表, reviewed by 两委会 → 社区党委书记 → 包社区领导干部 and filed into the
个人发展档案. The same three-level chain as the community quarter; the monthly form is
shorter (assessments/report.py) and a month has no 公示 unless its cycle sets days.
"""

from workflows.common import build
from workflows.community_quarterly import REREVIEW, STAGES

V1 = build("community_monthly", 1, STAGES, REREVIEW)
VERSIONS = (V1,)

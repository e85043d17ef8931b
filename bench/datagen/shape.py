"""What the data set looks like: shared constants."""

PASSWORD = "password123"
GENESIS = "0" * 64
CATEGORIES = ("经济发展类", "执法服务类", "社区")
QUARTER_CN = "一二三四"
CONTENT = {"key_work": "完成年度重点任务，推进项目落地。", "indicator_progress": "按计划推进",
           "most_satisfied": "群众服务窗口改造", "least_satisfied": "档案整理进度偏慢",
           "self_evaluation": "较好", "scores": {"de": 90, "neng": 88, "qin": 92, "ji": 87,
                                                "lian": 95}, "indicators": []}
# Current (open) cycle: share of assessments per state.
OPEN_MIX = (("drafting", 0.30), ("supervisor_review", 0.25), ("committee_review", 0.15),
            ("secretary_approval", 0.20), ("approved", 0.10))

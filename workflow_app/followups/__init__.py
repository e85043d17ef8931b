"""Follow-up of the last-ranked (秦皇岛: 排名末位 → 专题民主生活会 / 提醒谈话 / 约谈, then 整改)."""

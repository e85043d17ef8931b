"""业绩晾晒 (Sishui, seed 002): a 星级榜 per unit and period, 减星 with reasons, and the
周通报 generated from the period's data. See README "业绩晾晒"."""

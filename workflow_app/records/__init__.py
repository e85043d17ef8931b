"""The cadre's record (实绩档案 / 个人发展档案): one page per cadre across every cycle and
year, what was published about them, and its PDF for a promotion file (干部考察)."""

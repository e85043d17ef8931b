"""What an import would do, shown before anything is written (people/importer.py)."""

from dataclasses import dataclass


@dataclass
class Preview:
    """What an import would do, before anything is written (rows valid or not)."""

    rows: list
    new_units: dict  # {unit path (names): (category, [row numbers])}, in file order
    errors: list
    ignored: list

    def as_dict(self, limit=1000):
        """Plain data for a page or a JSON file; at most `limit` people listed."""
        return {
            "people": [{"line": r.line, "username": r.username, "display_name": r.display_name,
                        "unit": "/".join(r.unit_path), "roles": r.roles,
                        "unit_is_new": r.unit_path in self.new_units}
                       for r in self.rows[:limit]],
            "people_count": len(self.rows),
            "new_units": [{"path": "/".join(p), "category": c, "lines": lines[:20],
                           "row_count": len(lines)} for p, (c, lines) in self.new_units.items()],
            "errors": self.errors, "ignored": self.ignored,
        }

    def lines(self):
        """The preview as text lines, for the CLI's --dry-run."""
        out = [f"预览：新增 {len(self.rows)} 人，新建 {len(self.new_units)} 个单位，"
               f"错误 {len(self.errors)} 处（尚未写入任何数据）。"]
        if self.new_units:
            out.append("将新建的单位（请核对是否有错别字）：")
            out += [f"  新单位 {'/'.join(p)}（第 {'、'.join(map(str, lines[:20]))} 行）"
                    for p, (_c, lines) in self.new_units.items()]
        out.append("将新增的人员：")
        out += [f"  第 {r.line} 行 {r.username} {r.display_name} → {'/'.join(r.unit_path)}"
                for r in self.rows]
        if self.errors:
            out.append("错误：")
            out += [f"  {e}" for e in self.errors]
        if self.ignored:
            out.append(f"已忽略的列：{'、'.join(self.ignored)}")
        return out

"""What changed between two versions of a report, marked for showing side by side.

Text is compared character by character (Chinese has no spaces to split words on);
each side becomes a list of (kind, text) runs: "same", "del" (only in the old
version) or "ins" (only in the new one).
"""

from difflib import SequenceMatcher

from workflow_app.assessments.labels import REPORT_FIELD_LABELS
from workflow_app.assessments.report import DIMENSION_LABELS, DIMENSIONS, INDICATOR_FIELDS

MAX_COMPARED = 6000  # beyond this a field is only marked as changed, not diffed


def runs(old, new):
    """(old_runs, new_runs) for two strings."""
    old, new = old or "", new or ""
    if len(old) + len(new) > 2 * MAX_COMPARED:
        return [("del", old)] if old else [], [("ins", new)] if new else []
    left, right = [], []
    for op, a1, a2, b1, b2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            left.append(("same", old[a1:a2]))
            right.append(("same", new[b1:b2]))
            continue
        if a2 > a1:
            left.append(("del", old[a1:a2]))
        if b2 > b1:
            right.append(("ins", new[b1:b2]))
    return left, right


def _row(label, old, new):
    old_runs, new_runs = runs(old, new)
    return {"label": label, "changed": (old or "") != (new or ""),
            "old": old_runs, "new": new_runs}


def _indicator_text(row):
    return " / ".join((row or {}).get(k) or "—" for k in INDICATOR_FIELDS)


def _score_text(scores):
    return " · ".join(f"{DIMENSION_LABELS[d]} {scores[d]:g}" if d in scores
                      else f"{DIMENSION_LABELS[d]} —" for d in DIMENSIONS)


def compare(old, new):
    """Rows for every part of the report, in form order, each marked changed or not."""
    old, new = old or {}, new or {}
    rows = [_row(label, old.get(name), new.get(name))
            for name, label in REPORT_FIELD_LABELS.items()]
    old_rows, new_rows = old.get("indicators") or [], new.get("indicators") or []
    for i in range(max(len(old_rows), len(new_rows))):
        rows.append(_row(i + 1, _indicator_text(old_rows[i]) if i < len(old_rows) else "",
                         _indicator_text(new_rows[i]) if i < len(new_rows) else ""))
        rows[-1]["indicator"] = True
    rows.append(_row(None, _score_text(old.get("self_scores") or {}),
                     _score_text(new.get("self_scores") or {})))
    rows[-1]["scores"] = True
    return rows


def changed_count(rows):
    return sum(1 for r in rows if r["changed"])

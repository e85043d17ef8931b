"""Where each box, arrow and label of a workflow diagram goes: top to bottom.

Rows: a state's row is its longest path from the initial state over forward edges (an
edge to a state earlier in `Workflow.states` is a way back). Columns: in each row the
state that leads furthest stays on the middle line; the others go beside it, to the
right when they send items back (so their ways back stay short), to the left otherwise.

Arrows are right-angled lines. To the next row: through the gap between the rows, each
turn at a height of its own. Further down: on the left of everything; back up: on the
right; each in a lane of its own. Arrows with the same event, condition and target
share a lane and one label (the three 退回 to 填写中 are one line with one label).

Labels come last (diagram_labels), each where it touches no box and no other label.
Nothing here knows Flask: texts come in as strings, sizes are estimated from them.
"""

from dataclasses import dataclass, field
from math import ceil

from workflow_app.cycles.diagram_labels import LINE, Box, Label, bounds, place_labels, text_width

NODE_W, NODE_MIN_H, ROW_GAP, COL_GAP, LANE_GAP, MARGIN = 124, 40, 64, 44, 12, 8
NODE_FONT = 13
LOOP = 14  # how far a self-loop (弃权) stands out of its box


@dataclass
class Arrow:
    source: str
    dest: str
    event: str
    guard: str
    kind: str = ""  # down, up, jump (further down, left lane), back (right lane), loop
    lane: int | None = None  # jumps or ways back sharing a lane (and their target's port)
    group: int = 0  # arrows with one label: same target, event and condition
    points: list = field(default_factory=list)
    label: Label | None = None  # None: another arrow of the group carries it

    @property
    def in_lane(self):
        return self.lane is not None

    @property
    def forward(self):
        return self.kind in ("down", "jump")


@dataclass
class Layout:
    nodes: dict  # state → Box
    node_lines: dict  # state → [text lines]
    arrows: list
    width: float = 0
    height: float = 0

    @property
    def labels(self):
        return [a.label for a in self.arrows if a.label is not None]


def wrap(text, width, size=NODE_FONT):
    """Lines of `text` no wider than `width`, broken before a bracket, a space or anywhere."""
    lines, rest = [], text
    while rest and text_width(rest, size) > width:
        cut = _cut(rest, width, size)
        lines.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return [*lines, rest] if rest else lines


def _cut(text, width, size):
    fits = max(n for n in range(1, len(text) + 1) if text_width(text[:n], size) <= width
               or n == 1)
    for mark in ("（", "(", " "):
        at = text.rfind(mark, 1, fits + 1)
        if at > 0:
            return at
    return fits


# --- rows and columns ------------------------------------------------------------------

def ranks(workflow, pairs):
    """{state: row}: longest path from the initial state over forward edges."""
    order = {s: i for i, s in enumerate(workflow.states)}
    row = dict.fromkeys(workflow.states, 0)
    for _ in workflow.states:  # relax |states| times: enough for any acyclic order
        for s, d in pairs:
            if order[d] > order[s]:
                row[d] = max(row[d], row[s] + 1)
    return row


def _heights(workflow, pairs):
    """{state: longest forward path from it}: the state that leads on keeps the middle."""
    order = {s: i for i, s in enumerate(workflow.states)}
    height = dict.fromkeys(workflow.states, 0)
    for _ in workflow.states:
        for s, d in pairs:
            if order[d] > order[s]:
                height[s] = max(height[s], height[d] + 1)
    return height


def columns(workflow, pairs, row):
    """{state: column}, 0 the middle line, negative to the left."""
    order = {s: i for i, s in enumerate(workflow.states)}
    height, col = _heights(workflow, pairs), {}
    sends_back = {s for s, d in pairs if order[d] < order[s]}
    for r in sorted(set(row.values())):
        here = sorted((s for s in workflow.states if row[s] == r),
                      key=lambda s: (-height[s], order[s]))
        preds = [col[s] for s, d in pairs if d == here[0] and s in col and row[s] < r]
        col[here[0]] = round(sum(preds) / len(preds)) if preds else 0
        taken = {col[here[0]]}
        for state in here[1:]:
            step = 1 if state in sends_back else -1
            c = col[here[0]] + step
            while c in taken:
                c += step
            col[state], _ = c, taken.add(c)
    return col


def layout(workflow, edges, state_name):
    """The Layout of `edges` [(source, event text, dest, guard text)] (one per pair)."""
    pairs = [(s, d) for s, _e, d, _g in edges]
    row = ranks(workflow, pairs)
    col = columns(workflow, pairs, row)
    node_lines = {s: wrap(str(state_name(s)), NODE_W - 12) for s in workflow.states}
    node_h = max(NODE_MIN_H, max(len(v) for v in node_lines.values()) * NODE_FONT * LINE + 14)
    low = min(col.values())
    nodes = {s: Box((col[s] - low) * (NODE_W + COL_GAP), row[s] * (node_h + ROW_GAP),
                    NODE_W, node_h) for s in workflow.states}
    arrows = _classify(workflow, edges, row)
    _route(arrows, nodes, row, col)
    out = Layout(nodes, node_lines, arrows)
    place_labels(out)
    _fit(out)
    return out


def _classify(workflow, edges, row):
    order = {s: i for i, s in enumerate(workflow.states)}
    arrows, groups, lanes = [], {}, {}
    for s, event, d, guard in edges:
        if s == d:
            kind = "loop"
        elif order[d] > order[s]:
            kind = "down" if row[d] == row[s] + 1 else "jump"
        else:
            kind = "up" if row[s] == row[d] + 1 else "back"
        lane = lanes.setdefault((kind, d, event, guard), len(lanes)) \
            if kind in ("jump", "back") else None
        group = groups.setdefault((d, event, guard) if kind != "loop" else (s, d), len(groups))
        arrows.append(Arrow(s, d, event, guard, kind, lane, group))
    return arrows


# --- routing ---------------------------------------------------------------------------

def _route(arrows, nodes, row, col):
    sides = _sides(arrows, row, col)
    ports = _ports(arrows, nodes, sides)
    lanes = _lanes(arrows, nodes)
    channels = _channels(arrows, nodes, sides, ports, row)
    for i, a in enumerate(arrows):
        if a.kind == "loop":
            a.points = _loop(nodes[a.source])
        elif a.kind in ("down", "up"):
            p, q = ports[(i, "s")], ports[(i, "d")]
            a.points = [p, q] if p[0] == q[0] else [p, (p[0], channels[(i, "s")]),
                                                     (q[0], channels[(i, "s")]), q]
        else:
            a.points = (_lane_exit(i, a, nodes, sides, ports, lanes, channels)
                        + _lane_entry(i, a, nodes, sides, ports, lanes, channels))


def _clear(state, side, row, col):
    """No box beside `state` in its row on that side (a lane can be reached straight)."""
    mine = [s for s in row if row[s] == row[state] and s != state]
    if side == "left":
        return all(col[s] > col[state] for s in mine)
    return all(col[s] < col[state] for s in mine)


def _sides(arrows, row, col):
    """{(arrow index, "s"|"d"): side of the box the arrow leaves or enters by}."""
    out = {}
    for i, a in enumerate(arrows):
        if a.kind == "down":
            out[(i, "s")], out[(i, "d")] = "bottom", "top"
        elif a.kind == "up":
            out[(i, "s")], out[(i, "d")] = "top", "bottom"
        elif a.kind in ("jump", "back"):
            lane = "left" if a.kind == "jump" else "right"
            out[(i, "s")] = lane if _clear(a.source, lane, row, col) else "bottom"
            out[(i, "d")] = lane if _clear(a.dest, lane, row, col) else "top"
    return out


def _ports(arrows, nodes, sides):
    """{(arrow index, end): (x, y)}, spread along each side; a group shares its target."""
    users, shared = {}, {}
    for (i, end), side in sides.items():
        a = arrows[i]
        state = a.source if end == "s" else a.dest
        if end == "d" and a.in_lane:
            if a.lane in shared:
                continue
            shared[a.lane] = i
        other = nodes[a.dest if end == "s" else a.source]
        lane = -1e6 if a.kind == "jump" else 1e6
        key = ((other.x + other.w / 2) if a.kind in ("down", "up") else lane,
               other.y + other.h / 2, i)
        users.setdefault((state, side), []).append((key, i, end))
    loops = {a.source for a in arrows if a.kind == "loop"}
    out = {}
    for (state, side), items in users.items():
        for n, (_key, i, end) in enumerate(sorted(items)):
            out[(i, end)] = _port_at(nodes[state], side, n, len(items), state in loops)
    for i, a in enumerate(arrows):
        if a.in_lane and (i, "d") not in out:
            out[(i, "d")] = out[(shared[a.lane], "d")]
    return out


def _port_at(box, side, n, count, looped):
    """The n-th of `count` points on one side of a box (a loop keeps the top right)."""
    if side in ("top", "bottom"):
        lo, hi = box.x + 10, box.right - 10 - (2 * LOOP if looped and side == "top" else 0)
        y = box.y if side == "top" else box.bottom
        return (round(lo + (hi - lo) * (n + 1) / (count + 1), 1), y)
    lo, hi = box.y + 6 + (LOOP if looped and side == "right" else 0), box.bottom - 6
    x = box.x if side == "left" else box.right
    return (x, round(lo + (hi - lo) * (n + 1) / (count + 1), 1))


def _lanes(arrows, nodes):
    """{group: x of its lane}: jumps left of everything, ways back right, short ones inside."""
    spans = {}
    for a in arrows:
        if a.in_lane:
            ys = [nodes[a.source].y, nodes[a.dest].y]
            lo, hi = spans.get(a.lane, (a.kind, min(ys), max(ys)))[1:]
            spans[a.lane] = (a.kind, min(lo, *ys), max(hi, *ys))
    left = min(b.x for b in nodes.values())
    right = max(b.right for b in nodes.values())
    out = {}
    for kind, edge, step in (("jump", left, -1), ("back", right, 1)):
        mine = sorted((g for g, v in spans.items() if v[0] == kind),
                      key=lambda g: (spans[g][2] - spans[g][1], g))
        for n, g in enumerate(mine):
            out[g] = edge + step * LANE_GAP * (n + 2)
    return out


def _channels(arrows, nodes, sides, ports, row):
    """{(arrow index, end): y}: where a turn through the gap between two rows runs."""
    wanted = {}
    for i, a in enumerate(arrows):
        if a.kind in ("down", "up"):
            if ports[(i, "s")][0] != ports[(i, "d")][0]:
                gap = min(row[a.source], row[a.dest])
                wanted.setdefault(gap, []).append((i, "s"))
        elif a.kind in ("jump", "back"):
            if sides[(i, "s")] == "bottom":
                wanted.setdefault(row[a.source], []).append((i, "s"))
            if sides[(i, "d")] == "top":
                wanted.setdefault(row[a.dest] - 1, []).append((i, "d"))
    height = next(iter(nodes.values())).h
    out = {}
    for gap, users in wanted.items():
        top = gap * (height + ROW_GAP) + height  # the bottom of row `gap`
        for n, key in enumerate(users):
            out[key] = round(top + ROW_GAP * (n + 1) / (len(users) + 1), 1)
    return out


def _lane_exit(i, a, nodes, sides, ports, lanes, channels):
    (x, y), lane = ports[(i, "s")], lanes[a.lane]
    if sides[(i, "s")] == "bottom":
        return [(x, y), (x, channels[(i, "s")]), (lane, channels[(i, "s")])]
    return [(x, y), (lane, y)]


def _lane_entry(i, a, nodes, sides, ports, lanes, channels):
    (x, y), lane = ports[(i, "d")], lanes[a.lane]
    if sides[(i, "d")] == "top":
        return [(lane, channels[(i, "d")]), (x, channels[(i, "d")]), (x, y)]
    return [(lane, y), (x, y)]


def _loop(box):
    """Out of the top near the right corner, round the corner, back in on the right."""
    x = box.right - LOOP
    return [(x, box.y), (x, box.y - LOOP), (box.right + LOOP, box.y - LOOP),
            (box.right + LOOP, box.y + LOOP), (box.right, box.y + LOOP)]


def _fit(out):
    """Move everything so the drawing starts at MARGIN; width and height to match."""
    labels = [lb.box for lb in out.labels]
    whole = bounds(list(out.nodes.values()) + labels,
                    [p for a in out.arrows for p in a.points])
    dx, dy = MARGIN - whole.x, MARGIN - whole.y
    out.nodes = {s: Box(b.x + dx, b.y + dy, b.w, b.h) for s, b in out.nodes.items()}
    for a in out.arrows:
        a.points = [(x + dx, y + dy) for x, y in a.points]
        if a.label is not None:
            b = a.label.box
            a.label.box = Box(b.x + dx, b.y + dy, b.w, b.h)
    out.width = ceil(whole.w + 2 * MARGIN)
    out.height = ceil(whole.h + 2 * MARGIN)

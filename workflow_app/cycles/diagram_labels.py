"""Labels of a workflow diagram: sizes estimated from their text, each put at the free
spot along its arrow that misleads least.

A label never touches a box or another label (hard rule). Among the free spots the
cheapest wins: one beside the preferred part of the arrow, crossing no line (nor
having one between it and its own line), keeping the drawing narrow.
"""

from dataclasses import dataclass
from itertools import pairwise
from unicodedata import east_asian_width

EVENT_FONT, GUARD_FONT, LINE = 12, 10, 1.3
FRACTIONS = (0.5, 0.3, 0.7, 0.15, 0.85)
OFFSETS = (3, 12, 24, 36)  # a label's distance from its line, nearest first


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self):
        return self.x + self.w

    @property
    def bottom(self):
        return self.y + self.h

    def intersects(self, other):
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)

    def crossed_by(self, a, b):
        """Whether the axis-parallel segment a–b passes through the inside of the box."""
        return (min(a[0], b[0]) < self.right and max(a[0], b[0]) > self.x
                and min(a[1], b[1]) < self.bottom and max(a[1], b[1]) > self.y)


@dataclass
class Label:
    lines: list  # [(text, font size)]
    box: Box | None = None

    def size(self):
        width = max(text_width(t, s) for t, s in self.lines) + 6
        return width, sum(s * LINE for _t, s in self.lines) + 4


def text_width(text, size):
    """Wide (CJK, full-width) characters take one em, the others about 0.6."""
    return sum(size if east_asian_width(c) in "WF" else size * 0.6 for c in text)


def place_labels(out):
    """Give the first arrow of each group its label, at the cheapest free spot."""
    segments = [seg for a in out.arrows for seg in pairwise(a.points)]
    inside = bounds(list(out.nodes.values()), [p for a in out.arrows for p in a.points])
    taken, seen = [], set()
    for a in sorted(out.arrows, key=lambda a: a.in_lane):
        if a.group in seen:
            continue
        seen.add(a.group)
        lines = [(a.event, EVENT_FONT)] + ([(f"[{a.guard}]", GUARD_FONT)] if a.guard else [])
        a.label = Label(lines)
        members = [b for b in out.arrows if b.group == a.group]
        own = _preferred(members, a.label.size()[0])
        a.label.box = _best_spot(a.label, own, out, taken, segments, inside)
        taken.append(a.label.box)


def _preferred(members, width):
    """{segment: preference} of a group's arrows, 0 best. An arrow in a lane is labelled
    on a line into or out of a box (beside a lane it could belong to any lane): where
    it leaves its box when alone, where the shared line enters the target in a group."""
    out = {}
    for m in members:
        pairs = list(pairwise(m.points))
        flat = [seg for seg in pairs if seg[0][1] == seg[1][1]]
        for seg in pairs:
            pref = 0
            if m.in_lane:
                ends = (flat[0], flat[-1]) if len(members) == 1 else (flat[-1], flat[0])
                roomy = _length(seg) >= width + 8
                pref = (0 if roomy and seg == ends[0] else 1 if roomy and seg in ends
                        else 2 if seg in flat else 3)
            out[seg] = min(pref, out.get(seg, pref))
    return out


def _length(seg):
    (x1, y1), (x2, y2) = seg
    return abs(x2 - x1) + abs(y2 - y1)


def _candidates(label, own):
    """(cost, segment, box) beside each segment of the arrow, best segments first."""
    w, h = label.size()
    for seg in sorted(own, key=lambda seg: (own[seg], -_length(seg))):
        (px, py), (qx, qy) = seg
        for n, f in enumerate(FRACTIONS):
            x, y = px + (qx - px) * f, py + (qy - py) * f
            for k, away in enumerate(OFFSETS):  # next to the line, else a little off it
                if px == qx:  # vertical: right of it, else left
                    sides = (Box(x + away, y - h / 2, w, h), Box(x - away - w, y - h / 2, w, h))
                else:  # horizontal: above, else below
                    sides = (Box(x - w / 2, y - away - h, w, h), Box(x - w / 2, y + away, w, h))
                for m, box in enumerate(sides):
                    yield own[seg] * 20 + n + m * 0.5 + k * 6, seg, box, (x, y)


def _best_spot(label, own, out, taken, segments, inside):
    best, best_cost = None, None
    blocked = [_grow(b, 3) for b in out.nodes.values()] + taken
    for cost, segment, box, anchor in _candidates(label, own):
        if any(box.intersects(b) for b in blocked):
            continue
        # A line through the label, or between it and its own line, misleads the reader.
        reach = bounds([box], [anchor])
        crossings = sum(1 for p, q in segments if (p, q) != segment and reach.crossed_by(p, q))
        wider = max(0, inside.x - box.x) + max(0, box.right - inside.right)
        taller = max(0, inside.y - box.y) + max(0, box.bottom - inside.bottom)
        cost += crossings * 30 + wider * 0.6 + taller * 0.3
        if best_cost is None or cost < best_cost:
            best, best_cost = box, cost
    return best or _below_everything(label, out, taken)


def _below_everything(label, out, taken):
    """The last resort (never needed by the registered workflows): under the drawing."""
    w, h = label.size()
    lowest = max([b.bottom for b in out.nodes.values()] + [b.bottom for b in taken])
    return Box(min(b.x for b in out.nodes.values()), lowest + 6, w, h)


def _grow(box, by):
    return Box(box.x - by, box.y - by, box.w + 2 * by, box.h + 2 * by)


def bounds(boxes, points):
    xs = [b.x for b in boxes] + [b.right for b in boxes] + [p[0] for p in points]
    ys = [b.y for b in boxes] + [b.bottom for b in boxes] + [p[1] for p in points]
    return Box(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))

"""Drawing a workflow as inline SVG from the very data the engine runs (Workflow.edges()).

Layout: each state sits in a column given by its longest path from the initial
state over forward edges (an edge to a state earlier in `Workflow.states` is a
way back); states sharing a column stack vertically. Edges to the next column
are straight; longer forward edges arc above, ways back arc below, each at its
own height so labels do not sit on top of each other. No script, no external
asset: the page stays readable anywhere, and a table lists every transition.
"""

from dataclasses import dataclass
from html import escape

from workflow_app.assessments.labels import event_label, relation_label, state_label

NODE_W, NODE_H, COL_GAP, ROW_GAP, MARGIN = 124, 44, 124, 48, 24
ARC_STEP = 24


@dataclass
class Edge:
    source: str
    event: str
    dest: str
    guard: str
    actors: str


def edges_of(workflow):
    actors = [", ".join(t.actors) for t in workflow.transitions]
    return [Edge(s, e, d, g, a) for (s, e, d, g), a in zip(workflow.edges(), actors,
                                                            strict=True)]


def columns(workflow):
    """{state: column}: longest path from the initial state over forward edges."""
    order = {s: i for i, s in enumerate(workflow.states)}
    col = dict.fromkeys(workflow.states, 0)
    for _ in workflow.states:  # relax |states| times: enough for any acyclic order
        for e in edges_of(workflow):
            if order[e.dest] > order[e.source]:
                col[e.dest] = max(col[e.dest], col[e.source] + 1)
    return col


def positions(workflow, top=MARGIN):
    """{state: (x, y)} of each node's top-left corner."""
    col, rows, out = columns(workflow), {}, {}
    for state in workflow.states:
        row = rows.get(col[state], 0)
        rows[col[state]] = row + 1
        out[state] = (MARGIN + col[state] * (NODE_W + COL_GAP),
                      top + row * (NODE_H + ROW_GAP))
    return out


def _jumps(workflow, edges):
    """How many forward edges skip a column (each needs its own arc above the nodes)."""
    col = columns(workflow)
    return sum(1 for e in edges if col[e.dest] - col[e.source] > 1)


def svg(workflow):
    """The workflow as an <svg> element (a string, safe to mark as markup)."""
    merged = _merged(edges_of(workflow))
    pos = positions(workflow, MARGIN + (_jumps(workflow, merged) + 1) * ARC_STEP)
    width = max(x for x, _ in pos.values()) + NODE_W + MARGIN
    lowest = max(y for _, y in pos.values()) + NODE_H
    drawn, arcs = [], {"up": 0, "down": 0}
    for edge in merged:
        drawn.append(_edge(edge, pos, workflow, arcs))
    height = lowest + MARGIN + (arcs["down"] + 1) * ARC_STEP
    nodes = [_node(s, pos[s], s == workflow.initial, s in workflow.final_states)
             for s in workflow.states]
    title = escape(f"{workflow.key} v{workflow.version}")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow" role="img" '
            f'viewBox="0 0 {width} {height}" width="{width}" height="{height}">'
            f"<title>{title}</title>{_DEFS}{''.join(drawn)}{''.join(nodes)}</svg>")


_DEFS = ('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
         'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
         'fill="#57606a"/></marker></defs>')


def _merged(edges):
    """One drawn arrow per (source, dest): several events on it share the label."""
    merged = {}
    for e in edges:
        key = (e.source, e.dest)
        if key in merged:
            merged[key].event += " / " + str(event_label(e.event))
            merged[key].guard = " / ".join(g for g in (merged[key].guard, e.guard) if g)
        else:
            merged[key] = Edge(e.source, str(event_label(e.event)), e.dest, e.guard, e.actors)
    return list(merged.values())


def _node(state, xy, initial, final):
    x, y = xy
    stroke = "#1a7f37" if final else "#0969da" if initial else "#57606a"
    return (f'<g class="state" id="state-{escape(state)}"><rect x="{x}" y="{y}" '
            f'width="{NODE_W}" height="{NODE_H}" rx="10" fill="#f6f8fa" stroke="{stroke}" '
            f'stroke-width="{3 if initial or final else 1.5}"/>'
            f'<text x="{x + NODE_W / 2}" y="{y + NODE_H / 2 + 5}" text-anchor="middle" '
            f'font-size="14">{escape(str(state_label(state)))}</text></g>')


def _edge(edge, pos, workflow, arcs):
    (sx, sy), (dx, dy) = pos[edge.source], pos[edge.dest]
    order = {s: i for i, s in enumerate(workflow.states)}
    forward = order[edge.dest] > order[edge.source]
    adjacent = forward and dx - sx == NODE_W + COL_GAP
    if adjacent:
        path = f"M{sx + NODE_W},{sy + NODE_H / 2} L{dx},{dy + NODE_H / 2}"
        lx, ly = (sx + NODE_W + dx) / 2, (sy + dy) / 2 + NODE_H / 2 - 6
    else:
        path, lx, ly = _arc(sx, sy, dx, dy, forward, arcs)
    dashes = "" if forward else 'stroke-dasharray="5 4" '
    return (f'<g class="edge {"forward" if forward else "back"}">'
            f'<path d="{path}" fill="none" stroke="#57606a" stroke-width="1.4" '
            f'{dashes}marker-end="url(#arrow)"/>{_label(edge, lx, ly, forward)}</g>')


def _label(edge, x, y, above):
    """The event on the arrow; its condition, if any, in small grey type beside it."""
    guard_y = y - 12 if above else y + 12
    guard = (f'<text x="{x}" y="{guard_y}" text-anchor="middle" font-size="9" '
             f'fill="#656d76">[{escape(edge.guard)}]</text>') if edge.guard else ""
    return (f'<text x="{x}" y="{y}" text-anchor="middle" font-size="11" fill="#24292f">'
            f"{escape(edge.event)}</text>{guard}")


def _arc(sx, sy, dx, dy, forward, arcs):
    """Forward jumps arc over the top, ways back under the bottom, each a level further."""
    side = "up" if forward else "down"
    arcs[side] += 1
    lift = arcs[side] * ARC_STEP
    x1, x2 = sx + NODE_W / 2, dx + NODE_W / 2
    if forward:
        y1, y2 = sy, dy
        peak = min(y1, y2) - lift
    else:
        y1, y2 = sy + NODE_H, dy + NODE_H
        peak = max(y1, y2) + lift
    path = f"M{x1},{y1} C{x1},{peak} {x2},{peak} {x2},{y2}"
    # A cubic with both handles at `peak` reaches 3/4 of the way there.
    extreme = (y1 + y2) / 2 + 0.75 * (peak - (y1 + y2) / 2)
    return path, (x1 + x2) / 2, extreme + (-4 if forward else 12)


def transition_rows(workflow):
    """Every transition for the table under the drawing."""
    return [{"source": state_label(e.source), "event": event_label(e.event),
             "dest": state_label(e.dest), "guard": e.guard,
             "actors": relation_label(e.actors.replace(" ", ""))}
            for e in edges_of(workflow)]

"""Drawing a workflow as inline SVG from the very data the engine runs (its transitions).

Top to bottom, in the reader's language: states, events and conditions (guards) carry
the labels of assessments.labels; the geometry is diagram_layout's. The SVG has a
viewBox and width 100%, so it shrinks to its box on a phone instead of running off the
side. No script, no style attribute, no external asset: the CSP stays as it is, and a
table under the drawing lists every transition.
"""

from dataclasses import dataclass
from html import escape

from workflow_app.assessments.labels import (
    event_label,
    guard_label,
    relation_label,
    state_label,
)
from workflow_app.cycles.diagram_labels import LINE
from workflow_app.cycles.diagram_layout import NODE_FONT, layout


@dataclass
class Edge:
    source: str
    event: str
    dest: str
    guard: str
    actors: str


def edges_of(workflow):
    """One Edge per transition, event and condition named for the reader."""
    return [Edge(t.source, t.event, t.dest, str(guard_label(t.when, t.unless)),
                 ", ".join(t.actors)) for t in workflow.transitions]


def merged(workflow):
    """One drawn arrow per (source, dest): several events on it share the label."""
    out = {}
    for e in edges_of(workflow):
        event = str(event_label(e.event))
        if (e.source, e.dest) not in out:
            out[(e.source, e.dest)] = [e.source, event, e.dest, e.guard]
            continue
        drawn = out[(e.source, e.dest)]
        if event not in drawn[1].split(" / "):
            drawn[1] += " / " + event
        drawn[3] = " / ".join(g for g in dict.fromkeys((drawn[3], e.guard)) if g)
    return [tuple(v) for v in out.values()]


def diagram_layout(workflow):
    return layout(workflow, merged(workflow), state_label)


def svg(workflow, drawn=None, width=0):
    """The workflow as an <svg> element (a string, safe to mark as markup).

    `width`: draw on a canvas at least that wide, the drawing centred: the page gives all
    its drawings the width of the widest, so all are shown at one scale."""
    drawn = drawn or diagram_layout(workflow)
    ident = f"{workflow.key}-v{workflow.version}"
    wide = max(width, drawn.width)
    left = _n((drawn.width - wide) / 2)
    marker = f"arrow-{ident}"
    title = escape(f"{workflow.key} v{workflow.version}")
    parts = [_arrow(a, marker) for a in drawn.arrows]
    parts += [_node(s, drawn, s == workflow.initial, s in workflow.final_states)
              for s in workflow.states]
    parts += [_label(a.label) for a in drawn.arrows if a.label is not None]
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="workflow" role="img" '
            f'viewBox="{left} 0 {wide} {drawn.height}" width="100%" '
            f'aria-labelledby="title-{ident}">'
            f'<title id="title-{ident}">{title}</title>{_defs(marker)}{"".join(parts)}</svg>')


def _defs(marker):
    return (f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#57606a"/></marker></defs>')


def _node(state, drawn, initial, final):
    box, lines = drawn.nodes[state], drawn.node_lines[state]
    stroke = "#1a7f37" if final else "#0969da" if initial else "#57606a"
    step = NODE_FONT * LINE
    first = box.y + box.h / 2 - step * (len(lines) - 1) / 2 + NODE_FONT * 0.35
    text = "".join(f'<tspan x="{_n(box.x + box.w / 2)}" y="{_n(first + n * step)}">'
                   f"{escape(line)}</tspan>" for n, line in enumerate(lines))
    return (f'<g class="state" data-state="{escape(state)}"><rect x="{_n(box.x)}" '
            f'y="{_n(box.y)}" width="{box.w}" height="{_n(box.h)}" rx="10" fill="#f6f8fa" '
            f'stroke="{stroke}" stroke-width="{3 if initial or final else 1.5}"/>'
            f'<text text-anchor="middle" font-size="{NODE_FONT}">{text}</text></g>')


def _arrow(arrow, marker):
    path = "M" + " L".join(f"{_n(x)},{_n(y)}" for x, y in arrow.points)
    dashes = "" if arrow.forward else 'stroke-dasharray="5 4" '
    return (f'<g class="edge {"forward" if arrow.forward else "back"}" '
            f'data-from="{escape(arrow.source)}" data-to="{escape(arrow.dest)}">'
            f'<path d="{path}" fill="none" stroke="#57606a" stroke-width="1.4" '
            f'{dashes}marker-end="url(#{marker})"/></g>')


def _label(label):
    """The event; its condition, if any, in small grey type under it; on a white ground
    so a line running behind stays readable."""
    box, y, texts = label.box, label.box.y + 2, []
    for n, (text, size) in enumerate(label.lines):
        y += size * LINE
        colour = "#24292f" if n == 0 else "#57606a"
        texts.append(f'<text x="{_n(box.x + 3)}" y="{_n(y - size * 0.3)}" font-size="{size}" '
                     f'fill="{colour}">{escape(text)}</text>')
    return (f'<g class="label"><rect x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.w)}" '
            f'height="{_n(box.h)}" rx="3" fill="#ffffff" fill-opacity="0.9"/>'
            f'{"".join(texts)}</g>')


def _n(value):
    """Coordinates with at most one decimal: a smaller page, the same drawing."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def transition_rows(workflow):
    """Every transition for the table under the drawing."""
    return [{"source": state_label(e.source), "event": event_label(e.event),
             "dest": state_label(e.dest), "guard": e.guard,
             "actors": relation_label(e.actors.replace(" ", ""))}
            for e in edges_of(workflow)]


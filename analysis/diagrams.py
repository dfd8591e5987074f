"""State diagrams: a :class:`Program` as a networkx graph, as DOT and as a picture.

Nodes are states (attributes ``start``, ``halting``, ``accept``); each rule is an edge from its
state to its next state labelled ``read→write,move``. Wildcard programs are drawn expanded over
the symbols they name.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import networkx as nx
import numpy as np

from machines.program import Program

MAX_LABEL_LINES = 6  # parallel edges beyond this are summarised as "… (+k)"
# Beyond this many states a drawing is drawn on a circle without edge labels: the force
# layouts need scipy past 500 nodes and take minutes, and no label could be read anyway.
LARGE_DIAGRAM = 200
MAX_FIGURE_INCHES = 30.0


def _show(symbol: str) -> str:
    return "␣" if symbol == " " else symbol


def program_graph(program: Program) -> nx.MultiDiGraph:
    """One node per state, one edge per rule (``read``, ``write``, ``move``, ``label``)."""
    if program.has_wildcards:
        program = program.expand_wildcards()
    g = nx.MultiDiGraph(name=program.name)
    for q in program.states:
        g.add_node(q, start=q == program.start, halting=q in program.halting,
                   accept=q in program.accept)
    for (q, s), r in program.rules.items():
        g.add_edge(q, r.next, read=s, write=r.write, move=r.move,
                   label=f"{_show(s)}→{_show(r.write)},{r.move}")
    return g


def merged_labels(graph: nx.MultiDiGraph) -> dict[tuple[str, str], str]:
    """One multi-line label per (state, next state) pair, for drawing."""
    labels: dict[tuple[str, str], list[str]] = {}
    for u, v, data in graph.edges(data=True):
        labels.setdefault((u, v), []).append(data["label"])
    out = {}
    for key, lines in labels.items():
        if len(lines) > MAX_LABEL_LINES:
            lines = lines[:MAX_LABEL_LINES - 1] + [f"… (+{len(lines) - MAX_LABEL_LINES + 1})"]
        out[key] = "\n".join(lines)
    return out


def to_dot(program: Program) -> str:
    """Graphviz DOT text of the state diagram (halting states double circles, start marked)."""
    graph = program_graph(program)
    simple = nx.DiGraph(name=program.name)
    for q, data in graph.nodes(data=True):
        attrs = {"shape": "doublecircle" if data["halting"] else "circle"}
        if data["start"]:
            attrs.update(style="bold", xlabel="start")
        simple.add_node(q, **attrs)
    for (u, v), label in merged_labels(graph).items():
        simple.add_edge(u, v, label=label)
    dot = nx.nx_pydot.to_pydot(simple)
    dot.set_rankdir("LR")
    return dot.to_string()


def draw(program: Program, path: str | Path, *, seed: int = 0, title: str | None = None,
         kind: str | None = None) -> Path:
    """Save a picture of the state diagram: PNG, SVG or PDF, ``kind`` or by the extension."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graph = program_graph(program)
    simple = nx.DiGraph(graph)
    n = simple.number_of_nodes()
    large = n > LARGE_DIAGRAM
    if n <= 3 or large:
        pos = nx.circular_layout(simple)
    elif _has_scipy():
        pos = nx.kamada_kawai_layout(simple)
    else:
        pos = nx.spring_layout(simple, seed=seed, k=2 / n ** 0.5)
    pos = _upright(pos)
    size = min(MAX_FIGURE_INCHES, max(5.0, 1.6 * n ** 0.5 + 3))
    node_size = 1100 if not large else max(30, 1100 * LARGE_DIAGRAM / n)
    fig, ax = plt.subplots(figsize=(size, size * 0.8))
    colors = ["#9fd49f" if d["start"] else "#f4b6b6" if d["halting"] else "#cfe0f7"
              for _, d in simple.nodes(data=True)]
    nx.draw_networkx_nodes(simple, pos, ax=ax, node_color=colors, node_size=node_size,
                           edgecolors="#333333")
    nx.draw_networkx_labels(simple, pos, ax=ax, font_size=9 if not large else 4)
    style = "arc3,rad=0.15"
    between = [(u, v) for u, v in simple.edges if u != v]
    nx.draw_networkx_edges(simple, pos, ax=ax, edgelist=between, arrows=True,
                           arrowsize=14 if not large else 4, node_size=node_size,
                           connectionstyle=style, width=1.0 if not large else 0.3)
    note = ""
    box = {"boxstyle": "round", "fc": "white", "alpha": 0.8}
    if large:
        note = f"; {n} states on a circle, edge labels left out (see the .dot output)"
    else:
        labels = merged_labels(graph)
        nx.draw_networkx_edge_labels(simple, pos, ax=ax, font_size=7, connectionstyle=style,
                                     edge_labels={e: labels[e] for e in between},
                                     rotate=False, bbox=box)
        # a state's transitions to itself: one box just above its circle, marked ↻ (networkx
        # draws a self-loop inside the circle, where neither it nor its label shows)
        for (u, v), label in labels.items():
            if u == v:
                ax.annotate(f"↻ {label}", xy=pos[u], xytext=(0, node_size ** 0.5 / 2 + 3),
                            textcoords="offset points", ha="center", va="bottom", fontsize=7,
                            bbox=box)
    if not large and any(u == v for u, v in simple.edges):
        note += "; ↻ above a state: its moves that stay in it"
    heading = title or f"{program.name}  (green: start, red: halting{note})"
    ax.set_title(textwrap.fill(heading, width=int(11 * size)), fontsize=10)  # fits the width
    ax.axis("off")
    ax.margins(0.12)                    # room for the labels of self-loops on the top row
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120, format=kind)
    plt.close(fig)
    return path


def _upright(pos: dict) -> dict:
    """``pos`` turned by 45 degrees about its centre when it is (nearly) one horizontal line,
    as two states on a circle are. networkx draws a self-loop as tall as a tenth of the
    nodes' vertical extent, so on a flat layout the loops and their labels (0→1,R) vanished."""
    xy = np.array(list(pos.values()), dtype=float)
    width, height = np.ptp(xy, axis=0) if len(xy) else (0.0, 0.0)
    if len(xy) < 2 or height >= 0.25 * width:
        return pos
    centre = xy.mean(axis=0)
    turn = np.array([[1.0, -1.0], [1.0, 1.0]]) / np.sqrt(2.0)
    return {q: centre + turn @ (np.asarray(p, dtype=float) - centre) for q, p in pos.items()}


def _has_scipy() -> bool:
    try:
        import scipy  # noqa: F401
    except ImportError:
        return False
    return True


def reachable_graph(program: Program) -> nx.DiGraph:
    """The states reachable from the start, one edge per (state, next state) labelled with the
    set of (read, write, move) that lead there; nodes know whether they start or halt."""
    graph = program_graph(program)
    keep = nx.descendants(graph, program.start) | {program.start}
    simple = nx.DiGraph()
    for q in keep:
        simple.add_node(q, start=q == program.start, halting=q in program.halting)
    for u, v, d in graph.edges(data=True):
        if u in keep:
            labels = simple.edges[u, v]["labels"] if simple.has_edge(u, v) else frozenset()
            simple.add_edge(u, v, labels=labels | {(d["read"], d["write"], d["move"])})
    return simple


def same_machine(a: Program, b: Program) -> bool:
    """Whether ``a`` and ``b`` are the same machine up to renaming states: their reachable
    parts are isomorphic with start, halting and every edge label (read, write, move) kept."""
    ga, gb = reachable_graph(a), reachable_graph(b)
    return nx.is_isomorphic(
        ga, gb, node_match=lambda x, y: (x["start"], x["halting"]) == (y["start"], y["halting"]),
        edge_match=lambda x, y: x["labels"] == y["labels"])

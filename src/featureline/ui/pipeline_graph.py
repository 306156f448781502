"""The pipeline drawn as a graph: node boxes in stages (left to right) and the edges
between them, laid out here so the template only places SVG shapes. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from featureline.pipeline import PipelineSpec

NODE_W, NODE_H = 150, 46
GAP_X, GAP_Y = 60, 22
MARGIN = 12


@dataclass(frozen=True)
class Node:
    id: str
    x: int
    y: int


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    path: str
    """An SVG path from the source's right edge to the target's left edge."""


@dataclass(frozen=True)
class GraphLayout:
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    node_w: int = NODE_W
    node_h: int = NODE_H


def _reduced_edges(spec: PipelineSpec) -> list[tuple[str, str]]:
    """Declared dependencies without those another path already implies (a -> c when
    a -> b -> c), so the drawing shows the flow rather than every input."""
    needs = {s.id: set(s.depends_on) for s in spec.steps}

    def reaches(start: str, goal: str, skip_direct: bool) -> bool:
        stack = [n for n in needs[start] if not (skip_direct and n == goal)]
        seen: set[str] = set()
        while stack:
            node = stack.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                stack.extend(needs[node])
        return False

    return [
        (dep, step)
        for step in spec.step_ids
        for dep in sorted(needs[step])
        if not reaches(step, dep, skip_direct=True)
    ]


def layout(spec: PipelineSpec) -> GraphLayout:
    stages = spec.stages()
    tallest = max(len(stage) for stage in stages)
    height = MARGIN * 2 + tallest * NODE_H + (tallest - 1) * GAP_Y
    nodes: dict[str, Node] = {}
    for column, stage in enumerate(stages):
        used = len(stage) * NODE_H + (len(stage) - 1) * GAP_Y
        top = (height - used) // 2
        for row, step_id in enumerate(stage):
            x = MARGIN + column * (NODE_W + GAP_X)
            nodes[step_id] = Node(step_id, x, top + row * (NODE_H + GAP_Y))
    edges = []
    for source, target in _reduced_edges(spec):
        a, b = nodes[source], nodes[target]
        x1, y1 = a.x + NODE_W, a.y + NODE_H // 2
        x2, y2 = b.x, b.y + NODE_H // 2
        mid = (x1 + x2) // 2
        edges.append(Edge(source, target, f"M{x1},{y1} C{mid},{y1} {mid},{y2} {x2 - 6},{y2}"))
    width = MARGIN * 2 + len(stages) * NODE_W + (len(stages) - 1) * GAP_X
    return GraphLayout(list(nodes.values()), edges, width, height)

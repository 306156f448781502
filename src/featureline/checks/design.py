"""Design checks: every functional requirement is served; the diagram shows real components."""

from __future__ import annotations

import re

from featureline.artifacts import DesignArtifact, RequirementsArtifact
from featureline.checks.base import CheckContext, Finding, check, not_compared

# node ids in a Mermaid flowchart: `id`, `id[label]`, `id([label])`, `id{{label}}` ...
_NODE = re.compile(r"(?:^|-->|---|-\.->|==>|&)\s*(?:\|[^|]*\|\s*)?([A-Za-z_][\w-]*)")
_KEYWORDS = {
    "flowchart",
    "graph",
    "subgraph",
    "end",
    "direction",
    "classDef",
    "class",
    "style",
    "click",
    "linkStyle",
}


def mermaid_nodes(diagram: str) -> set[str]:
    """Node ids used in a Mermaid flowchart (labels and edge texts are ignored)."""
    nodes: set[str] = set()
    for raw in diagram.splitlines():
        line = raw.strip()
        if not line or line.startswith("%%"):
            continue
        first = line.split()[0]
        if first in _KEYWORDS:
            continue
        line = re.sub(r"\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|\"[^\"]*\"", "", line)
        nodes.update(match.group(1) for match in _NODE.finditer(line))
    return nodes - _KEYWORDS


@check("design", "design.requirements_served")
def requirements_served(artifact: DesignArtifact, context: CheckContext) -> list[Finding]:
    requirements = context.find(RequirementsArtifact)
    if requirements is None:
        return not_compared("design.requirements_served", "components", "requirements", "coverage")
    served = {rid for component in artifact.components for rid in component.serves}
    known = {r.id for r in requirements.functional} | {r.id for r in requirements.non_functional}
    findings = [
        Finding(
            check="design.requirements_served",
            severity="error",
            location=req.id,
            message=f"functional requirement '{req.title}' is served by no component",
        )
        for req in requirements.functional
        if req.id not in served
    ]
    findings += [
        Finding(
            check="design.requirements_served",
            severity="error",
            location=f"components.serves[{rid}]",
            message=f"{rid} is not a requirement of this run",
        )
        for rid in sorted(served - known)
    ]
    return findings


@check("design", "design.diagram")
def diagram_names_components(artifact: DesignArtifact, context: CheckContext) -> list[Finding]:
    components = {c.name for c in artifact.components}
    if not artifact.mermaid.strip():
        return [
            Finding(
                check="design.diagram",
                severity="error",
                location="mermaid",
                message="diagram is empty",
            )
        ]
    nodes = mermaid_nodes(artifact.mermaid)
    findings = [
        Finding(
            check="design.diagram",
            severity="error",
            location=f"mermaid:{node}",
            message=f"diagram names '{node}', which is not a component",
        )
        for node in sorted(nodes - components)
    ]
    findings += [
        Finding(
            check="design.diagram",
            severity="warning",
            location=f"components.{name}",
            message="component does not appear in the diagram",
        )
        for name in sorted(components - nodes)
    ]
    return findings

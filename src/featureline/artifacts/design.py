"""Step 2: system design."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from featureline.artifacts.base import Artifact, Part


class Component(Part):
    name: str = Field(description="identifier used in the Mermaid diagram, e.g. 'api'")
    kind: Literal[
        "api", "service", "database", "cache", "queue", "worker", "gateway", "client", "external"
    ]
    responsibilities: list[str]
    technology: str
    serves: list[str] = Field(
        default_factory=list, description="requirement ids this component serves"
    )


class DataFlow(Part):
    source: str
    target: str
    description: str
    protocol: str = ""


class Decision(Part):
    id: str = Field(pattern=r"^ADR-\d+$")
    title: str
    status: Literal["proposed", "accepted", "superseded"] = "accepted"
    context: str
    decision: str
    consequences: str


class SecurityMeasure(Part):
    name: str
    description: str
    addresses: list[str] = Field(default_factory=list, description="requirement ids")


class DesignArtifact(Artifact):
    step: ClassVar[str] = "design"

    overview: str
    components: list[Component]
    data_flows: list[DataFlow]
    mermaid: str = Field(description="a Mermaid flowchart of the components and flows")
    decisions: list[Decision]
    security: list[SecurityMeasure]
    caching: list[str] = Field(default_factory=list)
    scaling: list[str] = Field(default_factory=list)

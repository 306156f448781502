"""The typed artifact of each step, and the registry that maps a step kind to its model."""

from __future__ import annotations

from featureline.artifacts.api_spec import ApiSpecArtifact
from featureline.artifacts.base import Artifact, ArtifactRecord, Producer, Usage, content_hash
from featureline.artifacts.design import DesignArtifact
from featureline.artifacts.docs import DocsArtifact
from featureline.artifacts.implementation import ImplementationArtifact, SourceFile
from featureline.artifacts.performance import PerformanceArtifact
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.artifacts.schema import SchemaArtifact
from featureline.artifacts.testing import TestingArtifact

ARTIFACT_TYPES: dict[str, type[Artifact]] = {
    model.step: model
    for model in (
        RequirementsArtifact,
        DesignArtifact,
        SchemaArtifact,
        ApiSpecArtifact,
        ImplementationArtifact,
        TestingArtifact,
        PerformanceArtifact,
        DocsArtifact,
    )
}
"""Step kind -> artifact model, in the specialist's order."""


def artifact_type(kind: str) -> type[Artifact]:
    return ARTIFACT_TYPES[kind]


__all__ = [
    "ARTIFACT_TYPES",
    "ApiSpecArtifact",
    "Artifact",
    "ArtifactRecord",
    "DesignArtifact",
    "DocsArtifact",
    "ImplementationArtifact",
    "PerformanceArtifact",
    "Producer",
    "RequirementsArtifact",
    "SchemaArtifact",
    "SourceFile",
    "TestingArtifact",
    "Usage",
    "artifact_type",
    "content_hash",
]

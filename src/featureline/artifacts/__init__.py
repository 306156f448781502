"""The typed artifact of each step, and the registry that maps a step kind to its model."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from featureline.artifacts.base import Artifact, ArtifactRecord, Producer, Usage, content_hash

if TYPE_CHECKING:
    from featureline.artifacts.api_spec import ApiSpecArtifact
    from featureline.artifacts.design import DesignArtifact
    from featureline.artifacts.docs import DocsArtifact
    from featureline.artifacts.implementation import ImplementationArtifact, SourceFile
    from featureline.artifacts.performance import PerformanceArtifact
    from featureline.artifacts.requirements import RequirementsArtifact
    from featureline.artifacts.schema import SchemaArtifact
    from featureline.artifacts.testing import TestingArtifact

    ARTIFACT_TYPES: dict[str, type[Artifact]]
    """Step kind -> artifact model, in the specialist's order."""

_MODELS = {
    "RequirementsArtifact": "requirements",
    "DesignArtifact": "design",
    "SchemaArtifact": "schema",
    "ApiSpecArtifact": "api_spec",
    "ImplementationArtifact": "implementation",
    "TestingArtifact": "testing",
    "PerformanceArtifact": "performance",
    "DocsArtifact": "docs",
    "SourceFile": "implementation",
}
"""The artifact models load on first use (PEP 562): reading a run's records and usage
(``ArtifactRecord``, ``Usage``) does not build the eight artifacts' pydantic models."""


def __getattr__(name: str) -> Any:
    if name in globals():  # loaded by an earlier call
        return globals()[name]
    if name == "ARTIFACT_TYPES":
        value: Any = {
            model.step: model
            for model in (
                __getattr__(model_name) for model_name in _MODELS if model_name != "SourceFile"
            )
        }
    elif name in _MODELS:
        module = importlib.import_module(f"featureline.artifacts.{_MODELS[name]}")
        value = getattr(module, name)
    else:
        raise AttributeError(f"module 'featureline.artifacts' has no attribute {name!r}")
    globals()[name] = value
    return value


def artifact_type(kind: str) -> type[Artifact]:
    artifact_types: dict[str, type[Artifact]] = __getattr__("ARTIFACT_TYPES")
    return artifact_types[kind]


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

"""The offline builtin specialist: deterministic, heuristic, no language model involved."""

from __future__ import annotations

import time
from typing import TypeVar

from featureline.artifacts import (
    ApiSpecArtifact,
    Artifact,
    DesignArtifact,
    ImplementationArtifact,
    RequirementsArtifact,
    SchemaArtifact,
    Usage,
)
from featureline.providers.base import StepResult, StepTask
from featureline.providers.builtin.api_spec import build_api_spec
from featureline.providers.builtin.design import build_design
from featureline.providers.builtin.docs import build_docs
from featureline.providers.builtin.implementation import build_implementation
from featureline.providers.builtin.performance import build_performance
from featureline.providers.builtin.requirements import build_requirements
from featureline.providers.builtin.schema import build_schema
from featureline.providers.builtin.testing import build_testing
from featureline.request import FeatureRequest

MODEL_ID = "featureline-builtin-1"
A = TypeVar("A", bound=Artifact)


def _input(task: StepTask, name: str, model: type[A]) -> A | None:
    value = task.inputs.get(name)
    return value if isinstance(value, model) else None


class BuiltinSpecialist:
    """Produces every step's artifact from the request and declared inputs, offline.

    Stateless apart from the immutable delay, so one instance is safe across threads.
    """

    name = "builtin"

    def __init__(self, delay_s: float = 0.0) -> None:
        self.delay_s = delay_s

    def produce(self, task: StepTask) -> StepResult:
        if self.delay_s > 0:
            time.sleep(self.delay_s)
        return StepResult(artifact=self.build(task), model=MODEL_ID, usage=Usage())

    def build(self, task: StepTask) -> Artifact:
        fb = task.feedback
        req = _input(task, "requirements", RequirementsArtifact) or build_requirements(task.request)
        if task.kind == "requirements":
            return build_requirements(task.request, fb)
        if task.kind == "design":
            return build_design(req, fb)
        if task.kind == "schema":
            return build_schema(req, fb)
        api = _input(task, "api_spec", ApiSpecArtifact)
        if task.kind == "api_spec":
            return build_api_spec(req, fb)
        api_key = (
            api.auth.scheme == "api_key" if api else any(a.name == "api_client" for a in req.actors)
        )
        impl = _input(task, "implementation", ImplementationArtifact)
        if task.kind == "implementation":
            return build_implementation(req, _input(task, "schema", SchemaArtifact), api, fb)
        if task.kind == "testing":
            return build_testing(req, api_key, fb)
        if task.kind == "performance":
            return build_performance(req, api_key, fb)
        if task.kind == "docs":
            return build_docs(
                req,
                _input(task, "design", DesignArtifact) or build_design(req),
                api or build_api_spec(req),
                impl or build_implementation(req, _input(task, "schema", SchemaArtifact), api),
                fb,
            )
        raise ValueError(f"the builtin specialist has no step kind {task.kind!r}")


def build_all(request: FeatureRequest) -> dict[str, Artifact]:
    """All eight artifacts for a request, each step seeing the default pipeline's inputs
    (no graph, no gates): what benchmarks and the generated-service tests start from."""
    req = build_requirements(request)
    design = build_design(req)
    schema = build_schema(req)
    api = build_api_spec(req)
    api_key = api.auth.scheme == "api_key"
    impl = build_implementation(req, schema, api)
    return {
        "requirements": req,
        "design": design,
        "schema": schema,
        "api_spec": api,
        "implementation": impl,
        "testing": build_testing(req, api_key),
        "performance": build_performance(req, api_key),
        "docs": build_docs(req, design, api, impl),
    }


__all__ = ["MODEL_ID", "BuiltinSpecialist", "build_all"]

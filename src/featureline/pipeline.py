"""Pipeline definitions (graphs/*.yaml): which steps exist, what each sees, how it is gated."""

from __future__ import annotations

from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from featureline.errors import PipelineFileError

GatePolicy = Literal["none", "auto", "critic", "human"]
GATE_POLICIES: tuple[str, ...] = ("none", "auto", "critic", "human")


class StepSpec(BaseModel):
    """One step: the artifact kind it produces, the upstream artifacts it sees, its gate."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: str = ""
    inputs: tuple[str, ...] = ()
    after: tuple[str, ...] = Field(default=(), description="ordering-only dependencies")
    agent: str | None = None
    gate: GatePolicy | None = None
    max_attempts: int | None = Field(default=None, ge=1, le=10)
    model: str | None = None
    reviewers: tuple[str, ...] | None = Field(
        default=None, description="reviewer agents a critic gate asks (default: by kind)"
    )
    instructions: str = ""

    @model_validator(mode="after")
    def _kind_defaults_to_id(self) -> StepSpec:
        if not self.kind:
            object.__setattr__(self, "kind", self.id)
        return self

    @property
    def depends_on(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.inputs, *self.after)))


class PipelineSpec(BaseModel):
    """A validated pipeline: steps form a DAG over known artifact kinds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    agent: str = "backend-specialist"
    gate: GatePolicy = "auto"
    max_attempts: int = Field(default=3, ge=1, le=10)
    steps: tuple[StepSpec, ...] = Field(min_length=1)

    def step(self, step_id: str) -> StepSpec:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(step_id)

    @property
    def step_ids(self) -> tuple[str, ...]:
        return tuple(step.id for step in self.steps)

    def agent_for(self, step: StepSpec) -> str:
        return step.agent or self.agent

    def gate_for(self, step: StepSpec, override: GatePolicy | None = None) -> GatePolicy:
        return override or step.gate or self.gate

    def max_attempts_for(self, step: StepSpec) -> int:
        return step.max_attempts or self.max_attempts

    def stages(self) -> list[list[str]]:
        """Steps grouped by the earliest moment they can run; a stage's steps run in parallel."""
        sorter: TopologicalSorter[str] = TopologicalSorter(
            {step.id: step.depends_on for step in self.steps}
        )
        sorter.prepare()
        order = {step_id: index for index, step_id in enumerate(self.step_ids)}
        stages: list[list[str]] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=order.__getitem__)
            stages.append(ready)
            sorter.done(*ready)
        return stages


def validate_pipeline(data: Any, source: str) -> PipelineSpec:
    """Validate parsed YAML into a PipelineSpec, with one clear error for any problem."""
    if not isinstance(data, dict):
        raise PipelineFileError(source, "must be a YAML mapping with 'name' and 'steps'")
    try:
        spec = PipelineSpec.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "file"
        raise PipelineFileError(source, f"{where}: {first['msg']}") from exc
    _check_graph(spec, source)
    return spec


def _check_graph(spec: PipelineSpec, source: str) -> None:
    from featureline.artifacts import ARTIFACT_TYPES

    seen: set[str] = set()
    for step in spec.steps:
        if step.id in seen:
            raise PipelineFileError(source, f"step {step.id!r} is defined twice")
        seen.add(step.id)
    for step in spec.steps:
        if step.kind not in ARTIFACT_TYPES:
            known = ", ".join(ARTIFACT_TYPES)
            raise PipelineFileError(
                source, f"step {step.id!r} has unknown kind {step.kind!r} (known: {known})"
            )
        for dep in step.depends_on:
            if dep == step.id:
                raise PipelineFileError(source, f"step {step.id!r} depends on itself")
            if dep not in seen:
                raise PipelineFileError(source, f"step {step.id!r} needs unknown step {dep!r}")
    try:
        spec.stages()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise PipelineFileError(source, f"steps form a cycle: {cycle}") from exc


def load_pipeline(path: Path) -> PipelineSpec:
    """Read and validate a pipeline YAML file."""
    import yaml  # here, not at import: reading a run's stored spec needs no YAML

    from featureline.safeyaml import YamlLimitError, load_yaml

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise PipelineFileError(path, "file not found") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PipelineFileError(path, f"cannot be read ({exc})") from exc
    try:
        data = load_yaml(text)
    except YamlLimitError as exc:
        raise PipelineFileError(path, str(exc)) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PipelineFileError(path, f"broken YAML{where}") from exc
    return validate_pipeline(data, str(path))

"""Helpers for tests that drive runs: a cut-down pipeline file, a provider that spoils one
attempt, and switching a protection off wherever the code has bound it."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import featureline
from featureline.paths import resolve_pipeline_path
from featureline.providers.base import Specialist, StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.scripted import ScriptedSpecialist

# A small service (one resource, 2000 seeded rows, one latency target): sandbox runs on it
# take seconds, so verified runs fit the default test run.
NOTES = (
    "Users can save notes with a title and a body. Listing my notes must take under 300 ms at p95."
)


def pipeline_file(
    tmp_path: Path,
    steps: Iterable[str],
    *,
    max_attempts: int | None = None,
    gate: str | None = None,
) -> Path:
    """The default pipeline restricted to ``steps`` (dependencies on dropped steps removed)."""
    keep = list(steps)
    spec: dict[str, Any] = yaml.safe_load(resolve_pipeline_path(None).read_text())
    spec["steps"] = [s for s in spec["steps"] if s["id"] in keep]
    for step in spec["steps"]:
        step["inputs"] = [i for i in step.get("inputs", []) if i in keep]
        if "after" in step:
            step["after"] = [a for a in step["after"] if a in keep]
    if max_attempts is not None:
        spec["max_attempts"] = max_attempts
    if gate is not None:
        spec["gate"] = gate
    path = tmp_path / f"pipeline-{'-'.join(keep)}-{max_attempts}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


Tamper = Callable[[dict[str, Any]], None]


class Tampering(ScriptedSpecialist):
    """The builtin's output (or ``fallback``'s) with a deliberate defect in the first
    ``times`` attempts of a step."""

    def __init__(
        self, step: str, tamper: Tamper, times: int = 1, fallback: Specialist | None = None
    ):
        super().__init__(fallback=fallback or BuiltinSpecialist())
        self.step, self.tamper, self.times = step, tamper, times

    def produce(self, task: StepTask) -> StepResult:
        result = super().produce(task)
        if task.step == self.step and task.attempt <= self.times:
            artifact = result.artifact
            data: dict[str, Any] = (
                artifact if isinstance(artifact, dict) else artifact.model_dump(mode="json")
            )
            self.tamper(data)
            return StepResult(artifact=data, model="tampered")
        return result


def featureline_modules() -> list[ModuleType]:
    """Every featureline module, imported: a protection may be bound in any of them."""
    for info in pkgutil.walk_packages(featureline.__path__, "featureline."):
        if info.name.endswith("__main__") or info.name.startswith(
            ("featureline.testing", "featureline.sandbox._guard")
        ):
            continue
        importlib.import_module(info.name)
    return [m for name, m in list(sys.modules.items()) if name.startswith("featureline")]


def _functions_named(name: str, modules: list[ModuleType]) -> dict[int, Any]:
    originals = {
        id(value): value
        for module in modules
        if callable(value := getattr(module, name, None)) and not isinstance(value, type)
    }
    assert originals, f"no function {name!r} in featureline: update the protection list"
    return originals


def find_function(name: str) -> Any:
    """The featureline function called ``name``, wherever it now lives."""
    return next(iter(_functions_named(name, featureline_modules()).values()))


def disable(monkeypatch: pytest.MonkeyPatch, name: str, replacement: Callable[..., Any]) -> Any:
    """Replace the function called ``name`` everywhere it is bound (its module and every
    ``from x import name``), so a refactor that moves it cannot make the switch a no-op.
    Returns the original. Fails when no such function exists any more."""
    modules = featureline_modules()
    originals = _functions_named(name, modules)
    patched = 0
    for module in modules:
        for attr, value in list(vars(module).items()):
            if id(value) in originals:
                monkeypatch.setattr(module, attr, replacement)
                patched += 1
    assert patched, name
    return next(iter(originals.values()))


def empty_result_like(original: Callable[..., Any]) -> Callable[..., Any]:
    """A verifier that returns nothing: an empty result of the original's own result type."""
    module = sys.modules[original.__module__]
    result_type = module.Verification

    def nothing(*args: Any, **kwargs: Any) -> Any:
        return result_type()

    return nothing

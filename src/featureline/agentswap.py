"""Swap agents for one run (``--agent FILE``, ``--reviewer FILE``) without editing a pipeline.

``--agent`` makes one agent file the specialist of every step; ``--reviewer`` (repeatable)
makes the given agents the reviewers of every step a ``critic`` gate judges, instead of
the default reviewers per kind. The result is an ordinary PipelineSpec and agent map, so
the run index keeps them and ``resume`` rebuilds the same run.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from featureline.agents import AgentCollection, AgentSpec, load_agent, merge_agents
from featureline.errors import AgentFileError
from featureline.pipeline import PipelineSpec


def swap_agents(
    spec: PipelineSpec,
    agents: dict[str, AgentSpec],
    agent_file: Path | None = None,
    reviewer_files: Sequence[Path] = (),
) -> tuple[PipelineSpec, AgentCollection]:
    """``spec`` and ``agents`` with the given files in place of the specialist/reviewers."""
    if agent_file is None and not reviewer_files:
        return spec, merge_agents(agents, ())
    specialist = load_agent(agent_file) if agent_file is not None else None
    reviewers = [load_agent(path) for path in reviewer_files]
    names = [r.name for r in reviewers]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        raise AgentFileError(
            reviewer_files[names.index(duplicate)], f"reviewer {duplicate!r} given twice"
        )
    steps = list(spec.steps)
    if specialist is not None:
        steps = [step.model_copy(update={"agent": None}) for step in steps]
    if reviewers:
        steps = [step.model_copy(update={"reviewers": tuple(names)}) for step in steps]
    update: dict[str, object] = {"steps": tuple(steps)}
    if specialist is not None:
        update["agent"] = specialist.name
    added = [*([specialist] if specialist else []), *reviewers]
    return spec.model_copy(update=update), merge_agents(agents, added)


__all__ = ["swap_agents"]

"""The request a step (or a review) sends to a model, as data: no SDK import here.

The user turn is ordered stable-first so the prompt cache pays off across steps: the
feature request and the requirements artifact come first (the first cache breakpoint goes
on the last of them; with the system prompt they form the stable prefix), then the other
declared inputs (the second breakpoint goes on the last of them), the step's instructions,
and on revisions the feedback and the previous attempt. Block texts use tags that
``featureline.testing.fake_anthropic`` reads back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from featureline.agents import AgentSpec
from featureline.artifacts import Artifact, RequirementsArtifact
from featureline.providers.base import StepTask
from featureline.request import FeatureRequest

BlockRole = Literal[
    "request", "requirements", "input", "instructions", "feedback", "previous", "review", "reask"
]
PREVIOUS_FULL_LIMIT = 24_000
"""A previous attempt up to this many characters of JSON is shown whole, else summarised."""


@dataclass(frozen=True)
class PromptBlock:
    """One text block of the user turn; ``cache`` marks the cache breakpoint."""

    role: BlockRole
    text: str
    cache: bool = False


@dataclass(frozen=True)
class Prompt:
    """System prompt plus user blocks; the stable prefix's last block and the last input
    block carry cache breakpoints (the API allows four)."""

    system: str
    blocks: tuple[PromptBlock, ...]

    @property
    def cache_index(self) -> int | None:
        """The first breakpoint (the stable prefix's end)."""
        return next((i for i, b in enumerate(self.blocks) if b.cache), None)

    @property
    def cache_indexes(self) -> tuple[int, ...]:
        return tuple(i for i, b in enumerate(self.blocks) if b.cache)

    @property
    def text(self) -> str:
        """Everything the model reads, for size estimates and logs."""
        return "\n\n".join([self.system, *(b.text for b in self.blocks)])

    def with_block(self, block: PromptBlock) -> Prompt:
        return Prompt(self.system, (*self.blocks, block))


def artifact_json(artifact: Artifact) -> str:
    """Canonical JSON (sorted keys) so equal artifacts give byte-equal, cacheable prompts."""
    return json.dumps(artifact.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)


def request_block(request: FeatureRequest) -> str:
    lines = ["<feature_request>", f"Title: {request.title}"]
    if request.hints:
        hints = json.dumps(request.hints, sort_keys=True, ensure_ascii=False, default=str)
        lines.append(f"Hints: {hints}")
    lines += ["", request.text, "</feature_request>"]
    return "\n".join(lines)


def input_block(step: str, artifact: Artifact, tag: str = "artifact") -> str:
    kind = artifact.step or type(artifact).__name__
    return f'<{tag} step="{step}" kind="{kind}">\n{artifact_json(artifact)}\n</{tag}>'


def _stable_prefix(task: StepTask) -> tuple[list[PromptBlock], list[tuple[str, Artifact]]]:
    """The request and requirements blocks (breakpoint on the last), and the other inputs."""
    blocks = [PromptBlock("request", request_block(task.request))]
    others: list[tuple[str, Artifact]] = []
    # newest input first: later steps declare the recent artifacts together (testing,
    # performance and docs all start with implementation, api_spec), so their prompts share
    # the longest prefixes and read them from the cache
    for step, artifact in reversed(task.inputs.items()):
        if isinstance(artifact, RequirementsArtifact) and not any(
            b.role == "requirements" for b in blocks
        ):
            blocks.append(PromptBlock("requirements", input_block(step, artifact)))
        else:
            others.append((step, artifact))
    blocks[-1] = PromptBlock(blocks[-1].role, blocks[-1].text, cache=True)
    return blocks, others


def summarize_artifact(artifact: Artifact) -> str:
    """A short account of an artifact: each top-level field's size, for long previous attempts."""
    parts = []
    for name, value in artifact.model_dump(mode="json").items():
        parts.append(f"- {name}: {_describe(value)}")
    return "\n".join(parts)


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    if isinstance(value, dict):
        return f"object with {len(value)} field(s)"
    if isinstance(value, str):
        return repr(value) if len(value) <= 80 else f"text of {len(value)} characters"
    return repr(value)


def step_marker(step: str, kind: str) -> str:
    return f"Step: {step} (kind: {kind})"


MAX_BREAKPOINTS = 4
"""The Messages API accepts at most four ``cache_control`` breakpoints per request."""


def _cache_inputs(blocks: list[PromptBlock]) -> None:
    """Breakpoints on the last input blocks (up to the API's four in all): revisions,
    re-asks and reviews of a step read everything up to its last input from the cache, and
    a sibling whose inputs begin like ours reads the prefix we wrote at its own boundary
    (extra breakpoints cost nothing: a write is billed once, up to the last one)."""
    free = MAX_BREAKPOINTS - sum(1 for b in blocks if b.cache)
    for index in range(len(blocks) - 1, -1, -1):
        if free <= 0:
            break
        if blocks[index].cache:
            break  # reached the stable prefix's breakpoint
        blocks[index] = PromptBlock(blocks[index].role, blocks[index].text, cache=True)
        free -= 1


def build_step_prompt(task: StepTask, output_schema_name: str) -> Prompt:
    """The prompt for one attempt of one step."""
    blocks, others = _stable_prefix(task)
    blocks += [PromptBlock("input", input_block(step, artifact)) for step, artifact in others]
    _cache_inputs(blocks)
    instructions = [
        "<instructions>",
        step_marker(task.step, task.kind),
        f"Attempt: {task.attempt}",
        "",
        task.instructions.strip() or f"Produce the {task.kind} artifact for the request.",
        "",
        f"Answer with one JSON object matching the {output_schema_name} schema. Base it on "
        "the feature request and the artifacts above; invent nothing the request does not "
        "imply, and record assumptions where the schema has room for them.",
        "</instructions>",
    ]
    blocks.append(PromptBlock("instructions", "\n".join(instructions)))
    if task.feedback:
        lines = "\n".join(f"- {item}" for item in task.feedback)
        blocks.append(
            PromptBlock(
                "feedback",
                "<feedback>\nThe previous attempt was sent back. Fix every point below "
                f"and keep what was right.\n{lines}\n</feedback>",
            )
        )
    if task.previous is not None:
        full = artifact_json(task.previous)
        body = full if len(full) <= PREVIOUS_FULL_LIMIT else summarize_artifact(task.previous)
        blocks.append(
            PromptBlock(
                "previous",
                f'<previous_attempt attempt="{task.attempt - 1}">\n{body}\n</previous_attempt>',
            )
        )
    return Prompt(system=task.agent.system_prompt, blocks=tuple(blocks))


def build_review_prompt(task: StepTask, artifact: Artifact, reviewer: AgentSpec) -> Prompt:
    """The prompt asking ``reviewer`` to judge ``artifact`` (the step's latest attempt)."""
    blocks, _ = _stable_prefix(task)
    blocks.append(PromptBlock("review", input_block(task.step, artifact, "artifact_under_review")))
    _cache_inputs(blocks)
    blocks.append(
        PromptBlock(
            "instructions",
            "\n".join(
                [
                    "<instructions>",
                    f"Reviewer: {reviewer.name}",
                    step_marker(task.step, task.kind),
                    "",
                    "Review the artifact under review from your role's point of view. List "
                    "each problem as an issue (error blocks approval; warning and info do "
                    "not) with its location, then give your verdict: reject when any error "
                    "remains, else approve. Answer with one JSON object matching the Review "
                    "schema.",
                    "</instructions>",
                ]
            ),
        )
    )
    return Prompt(system=reviewer.system_prompt, blocks=tuple(blocks))


def reask_block(number: int, reason: str) -> PromptBlock:
    """Appended to the same prompt when an answer could not be used."""
    return PromptBlock(
        "reask",
        f'<reask number="{number}">\nYour previous answer could not be used: {reason}\n'
        "Answer again with one complete JSON object that matches the schema.\n</reask>",
    )


__all__ = [
    "PREVIOUS_FULL_LIMIT",
    "Prompt",
    "PromptBlock",
    "artifact_json",
    "build_review_prompt",
    "build_step_prompt",
    "reask_block",
    "request_block",
    "step_marker",
    "summarize_artifact",
]

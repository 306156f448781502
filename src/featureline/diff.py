"""Compare two versions of a run's artifacts file by file, as they export: the rendered
markdown, SQL, OpenAPI and the generated code tree.

A side is ``RUN[:STEP][@ATTEMPT]``: two attempts of a step, a run and its fork, or two
runs. Pure: callers hand in the runs' views; nothing here reads the store.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any, Literal

from featureline.artifacts import ARTIFACT_TYPES
from featureline.errors import UserInputError
from featureline.export import ExportedFile, step_files
from featureline.views import RunView, StepView, with_evidence

_SIDE = re.compile(r"^(?P<run>[^:@\s]+)(?::(?P<step>[^:@\s]+))?(?:@(?P<attempt>\d+))?$")

FileStatus = Literal["added", "removed", "modified"]


@dataclass(frozen=True)
class Side:
    """One side of a diff: a run, optionally one step, optionally one attempt of it."""

    run_id: str
    step: str | None = None
    attempt: int | None = None

    @classmethod
    def parse(cls, text: str) -> Side:
        match = _SIDE.match(text.strip())
        if match is None:
            raise UserInputError(f"cannot read {text!r}: write RUN, RUN:STEP or RUN:STEP@ATTEMPT")
        attempt = match["attempt"]
        if attempt is not None and match["step"] is None:
            raise UserInputError(f"{text!r} names an attempt but no step: write RUN:STEP@N")
        return cls(match["run"], match["step"], int(attempt) if attempt is not None else None)

    def label(self) -> str:
        text = self.run_id + (f":{self.step}" if self.step else "")
        return text + (f"@{self.attempt}" if self.attempt is not None else "")


@dataclass(frozen=True)
class FileDiff:
    path: str
    status: FileStatus
    added: int
    removed: int
    text: str
    """The unified diff of this file (``a/path`` against ``b/path``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "status": self.status,
            "added": self.added,
            "removed": self.removed,
            "diff": self.text,
        }


@dataclass(frozen=True)
class RunDiff:
    a: Side
    b: Side
    files: list[FileDiff]

    @property
    def added(self) -> int:
        return sum(f.added for f in self.files)

    @property
    def removed(self) -> int:
        return sum(f.removed for f in self.files)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a.label(),
            "b": self.b.label(),
            "files": [f.to_json() for f in self.files],
            "summary": {"files": len(self.files), "added": self.added, "removed": self.removed},
        }

    def unified(self) -> str:
        return "".join(f.text for f in self.files)

    def stat(self) -> str:
        """A ``git diff --stat`` style summary."""
        if not self.files:
            return f"no differences between {self.a.label()} and {self.b.label()}\n"
        width = max(len(f.path) for f in self.files)
        lines = [
            f" {f.path:<{width}} | {f.status:<8} +{f.added} -{f.removed}\n" for f in self.files
        ]
        lines.append(
            f" {len(self.files)} file(s) changed, {self.added} insertion(s)(+), "
            f"{self.removed} deletion(s)(-)\n"
        )
        return "".join(lines)


def resolve_sides(a: Side, b: Side | None, a_view: RunView) -> tuple[Side, Side]:
    """Fill in what a side leaves out. One side alone: an attempt against the one before
    it (``RUN:STEP[@N]``), or a fork against the run it was forked from (``RUN``)."""
    if b is None:
        if a.step is None:
            origin = a_view.info.options.get("forked_from")
            if not origin:
                raise UserInputError(
                    f"run {a.run_id} is not a fork: give two sides, e.g. "
                    f"`featureline diff {a.run_id} OTHER_RUN`"
                )
            return Side(str(origin["run_id"])), a
        step = _step(a_view, a.step)
        attempt = a.attempt if a.attempt is not None else step.attempts
        earlier = [r.attempt for r in step.records if r.attempt < attempt]
        if not earlier:
            raise UserInputError(
                f"{a.step} of run {a.run_id} has no attempt before {attempt} to compare with"
            )
        return Side(a.run_id, a.step, max(earlier)), Side(a.run_id, a.step, attempt)
    if a.step is not None and b.step is None:
        b = Side(b.run_id, a.step, None)
    elif b.step is not None and a.step is None:
        a = Side(a.run_id, b.step, None)
    return a, b


def side_files(view: RunView, side: Side) -> dict[str, str]:
    """The files a side exports as (the JSON copies of the artifacts left out: the
    markdown says the same for people)."""
    files: list[ExportedFile] = []
    for number, step in enumerate(view.steps, start=1):
        if side.step is not None and step.id != side.step:
            continue
        artifact = (
            _attempt_artifact(view, step, side.attempt)
            if side.attempt is not None
            else step.artifact()
        )
        if artifact is not None:
            files.extend(step_files(number, step.id, artifact))
    if side.step is not None:
        _step(view, side.step)
    return {f.path: f.content for f in files if not f.path.startswith("artifacts/")}


def diff_sides(a: Side, a_view: RunView, b: Side, b_view: RunView) -> RunDiff:
    return RunDiff(a, b, diff_files(side_files(a_view, a), side_files(b_view, b)))


def diff_files(old: dict[str, str], new: dict[str, str]) -> list[FileDiff]:
    """Per path present on either side and not equal: its unified diff and counts."""
    out: list[FileDiff] = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before == after:
            continue
        status: FileStatus = (
            "added" if before is None else "removed" if after is None else "modified"
        )
        lines = list(
            difflib.unified_diff(
                (before or "").splitlines(keepends=True),
                (after or "").splitlines(keepends=True),
                fromfile="/dev/null" if before is None else f"a/{path}",
                tofile="/dev/null" if after is None else f"b/{path}",
            )
        )
        lines = [line if line.endswith("\n") else line + "\n" for line in lines]
        added = sum(1 for ln in lines if ln.startswith("+") and not ln.startswith("+++"))
        removed = sum(1 for ln in lines if ln.startswith("-") and not ln.startswith("---"))
        out.append(FileDiff(path, status, added, removed, "".join(lines)))
    return out


def _step(view: RunView, step_id: str) -> StepView:
    try:
        return view.step(step_id)
    except KeyError:
        raise UserInputError(
            f"run {view.info.run_id} has no step {step_id!r}: "
            f"steps are {', '.join(s.id for s in view.steps)}"
        ) from None


def _attempt_artifact(view: RunView, step: StepView, attempt: int) -> Any:
    record = next((r for r in step.records if r.attempt == attempt), None)
    if record is None:
        have = ", ".join(str(r.attempt) for r in step.records) or "none"
        raise UserInputError(
            f"{step.id} of run {view.info.run_id} has no attempt {attempt} (attempts: {have})"
        )
    try:
        artifact = ARTIFACT_TYPES[step.kind].model_validate(record.artifact)
    except ValueError as exc:
        raise UserInputError(
            f"{step.id} attempt {attempt} of run {view.info.run_id} is not a valid "
            f"{step.kind} artifact, so it cannot be rendered"
        ) from exc
    return with_evidence(artifact, step.evidence.get(attempt, {}))

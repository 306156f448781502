"""The first state of a fork: the source run's approved steps outside the forked step and
everything downstream of it, carried over by reference (their artifacts are the same
stored blobs, never copied), and every other step pending."""

from __future__ import annotations

from typing import Any

from featureline.artifact_store import ArtifactStore
from featureline.graph.reopen import downstream_of
from featureline.pipeline import PipelineSpec
from featureline.state import RunState, StepState, new_step_state


def fork_state(
    source: RunState, spec: PipelineSpec, at: str, blobs: ArtifactStore | None
) -> dict[str, Any]:
    """``steps``, ``records``, ``findings``, ``evidence`` and ``reviews`` for a fork of
    ``source`` at ``at`` running pipeline ``spec`` (steps match by id and kind)."""
    rerun = set(downstream_of(spec, at))
    src_steps = source.get("steps", {})
    kinds = {r["step"]: r["kind"] for r in source.get("records", [])}
    kept: dict[str, int] = {}
    grown = True
    while grown:  # a step is kept only when everything it depends on is kept
        grown = False
        for step in spec.steps:
            st = src_steps.get(step.id)
            if (
                step.id in kept
                or step.id in rerun
                or st is None
                or st["status"] != "approved"
                or st["approved_attempt"] is None
                or kinds.get(step.id) != step.kind
                or not all(dep in kept for dep in step.depends_on)
            ):
                continue
            kept[step.id] = st["approved_attempt"]
            grown = True

    def ours(entry: dict[str, Any]) -> bool:
        return bool(kept.get(entry["step"]) == entry["attempt"])

    steps: dict[str, StepState] = {}
    for step in spec.steps:
        if step.id in kept:
            src = src_steps[step.id]
            steps[step.id] = {
                **new_step_state(),
                "status": "approved",
                "attempts": kept[step.id],
                "round": src["round"],
                "approved_attempt": kept[step.id],
            }
        else:
            steps[step.id] = new_step_state()
    records = [_by_reference(r, blobs) for r in source.get("records", []) if ours(r)]
    evidence = [_evidence_reference(e, blobs) for e in source.get("evidence", []) if ours(e)]
    return {
        "steps": steps,
        "records": records,
        "findings": [f for f in source.get("findings", []) if ours(f)],
        "evidence": evidence,
        "reviews": [r for r in source.get("reviews", []) if ours(r)],
    }


def _by_reference(record: dict[str, Any], blobs: ArtifactStore | None) -> dict[str, Any]:
    """An older run's inline record, moved into the store on the way (same hash)."""
    if "artifact" not in record or blobs is None:
        return record
    blobs.put(record["artifact"])
    return {k: v for k, v in record.items() if k != "artifact"}


def _evidence_reference(entry: dict[str, Any], blobs: ArtifactStore | None) -> dict[str, Any]:
    if "ref" in entry or blobs is None:
        return entry
    data = {k: v for k, v in entry.items() if k not in ("step", "attempt")}
    return {"step": entry["step"], "attempt": entry["attempt"], "ref": blobs.put(data)}

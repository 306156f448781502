"""What the CLI prints when a run stops, and the exit code that goes with it."""

from __future__ import annotations

import typer
from rich.console import Console

from featureline.artifacts import RequirementsArtifact
from featureline.cli.safe import line, styled
from featureline.views import RunView

EXIT_CODES = {"done": 0, "waiting": 3, "failed": 1, "stopped": 1, "running": 1}


def report_outcome(console: Console, view: RunView) -> None:
    """Print where the run stands and what to do next; exit with the matching code."""
    run_id = view.info.run_id
    if view.status == "done":
        cost = (
            f" ({view.usage.total_tokens} tokens, ${view.cost_usd:.4f})"
            if view.ledger.entries
            else ""
        )
        console.print(
            line(
                styled("done", "green"),
                f": run {run_id} approved all {len(view.steps)} steps{cost}",
            )
        )
        left = unbuilt(view)
        if left:
            console.print(
                line(
                    styled("not built", "yellow"),
                    f": {left} (featureline show {run_id} requirements)",
                )
            )
        console.print(
            f"  inspect: featureline show {run_id}    export: featureline export {run_id} DIR"
        )
    elif view.status == "waiting":
        for pending in view.pending:
            console.print(
                line(
                    styled("waiting for review", "magenta"),
                    f": run {run_id} step {pending.step} "
                    f"(attempt {pending.attempt}): {pending.reason}",
                )
            )
            for finding in pending.findings:
                if finding.severity == "error":
                    console.print(f"  - {finding.location}: {finding.message}")
        which = f" {view.pending[0].step}" if len(view.pending) > 1 else ""
        console.print(
            f'  review: featureline review {run_id}{which} --approve | --reject "comment"'
        )
    elif view.status == "failed":
        failed = [s for s in view.steps if s.status == "failed"]
        for step in failed:
            errors = [f for f in step.findings.get(step.attempts, []) if f.severity == "error"]
            console.print(
                line(
                    styled("failed", "red"),
                    f": run {run_id} step {step.id} still fails its checks after "
                    f"{step.attempts} attempt(s)",
                )
            )
            for finding in errors:
                console.print(f"  - {finding.location}: {finding.message}")
    else:
        for step in view.stopped_steps:
            label = (
                styled("over budget", "yellow")
                if step.status == "over_budget"
                else styled("error", "red")
            )
            console.print(line(label, f": {step.error}"))
        if view.cost_usd:
            budget = f" of ${view.budget_usd:.4f}" if view.budget_usd is not None else ""
            console.print(
                f"  spent so far: ${view.cost_usd:.4f}{budget} (featureline cost {run_id})"
            )
        console.print(
            line(
                styled(view.status, "yellow"),
                f": run {run_id}; resume with `featureline resume {run_id}`",
            )
        )
    raise typer.Exit(EXIT_CODES[view.status])


def unbuilt(view: RunView) -> str:
    """What an approved run leaves undone, so "approved" never reads as "all built":
    deferred requirements and open questions of its requirements artifact."""
    parts: list[str] = []
    for step in view.steps:
        if step.kind != "requirements":
            continue
        artifact = step.artifact()
        if not isinstance(artifact, RequirementsArtifact):
            continue
        deferred = [fr.id for fr in artifact.functional if fr.status == "deferred"]
        if deferred:
            parts.append(f"{len(deferred)} deferred requirement(s) ({', '.join(deferred)})")
        if artifact.open_questions:
            parts.append(f"{len(artifact.open_questions)} open question(s)")
    return " and ".join(parts)

"""Commands that read runs and pipelines: runs, status, show, history, export, graph."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from featureline.cli.context import CliState
from featureline.cli.progress import STATUS_STYLE
from featureline.cli.safe import line, styled
from featureline.errors import FeaturelineError, UnknownRunError, UserInputError
from featureline.textsafe import printable

if TYPE_CHECKING:  # the run machinery (LangGraph) loads only when a command needs it
    from featureline.api import Workspace
    from featureline.artifacts import ArtifactRecord
    from featureline.views import RunView, StepView


def register(app: typer.Typer) -> None:
    app.command("runs")(list_runs)
    app.command()(status)
    app.command()(show)
    app.command()(history)
    app.command("export")(export_cmd)
    app.command("graph")(graph_cmd)
    app.command("trace")(trace_cmd)
    app.command("check")(check_cmd)
    app.command("cost")(cost_cmd)


def _workspace(ctx: typer.Context, run_id: str | None = None) -> Workspace:
    """The store as a Workspace. Reading never creates a store: with none at the URL a
    run-specific command fails with UnknownRunError, before anything is opened."""
    from featureline.cli.readonly import store_is_missing

    state: CliState = ctx.obj
    if run_id is not None and store_is_missing(state.store):
        raise UnknownRunError(run_id)
    from featureline.api import Workspace
    from featureline.providers import make_specialist

    return Workspace(make_specialist("builtin"), store=state.store)


def _view(ctx: typer.Context, run_id: str, *, count_checkpoints: bool = False) -> RunView:
    """The run's view: read straight from a SQLite store when it can be (no LangGraph, no
    graph compiled), else through the engine; both assemble it the same way."""
    from featureline.cli.readonly import store_is_missing

    state: CliState = ctx.obj
    if store_is_missing(state.store):
        raise UnknownRunError(run_id)
    from featureline.readpath import read_view

    view = read_view(state.store, run_id, count=count_checkpoints)
    if view is not None:
        return view
    return _workspace(ctx, run_id).status(run_id, count_checkpoints=count_checkpoints)


def _styled(status: str) -> Text:
    return styled(status, STATUS_STYLE.get(status, ""))


def list_runs(ctx: typer.Context) -> None:
    """List the runs in the store, newest first."""
    from featureline.cli.readonly import store_is_missing

    state: CliState = ctx.obj
    if store_is_missing(state.store):
        state.console.print("no runs yet: start one with `featureline run REQUEST`")
        return
    from featureline.readpath import read_runs

    read = read_runs(state.store)
    if read is not None:
        runs = [info for info, _ in read]
        spend = {info.run_id: _spend_cells(spent) for info, spent in read}
    else:
        from featureline.store import open_store

        with open_store(state.store) as store:  # one connection; no graph compiled per run
            runs = store.runs.list()
            spend = {info.run_id: _spend(store.checkpointer, info.run_id) for info in runs}
    if not runs:
        state.console.print("no runs yet: start one with `featureline run REQUEST`")
        return
    table = Table(show_edge=False)
    for column in (
        "run",
        "title",
        "status",
        "pipeline",
        "provider",
        "tokens",
        "cost",
        "created",
        "forked from",
    ):
        table.add_column(column)
    for info in runs:
        tokens, cost = spend[info.run_id]
        table.add_row(
            info.run_id,
            info.title,
            info.status,
            info.pipeline,
            info.provider,
            tokens,
            cost,
            info.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            lineage(info.options),
        )
    state.console.print(table)


def lineage(options: dict[str, object]) -> str:
    """``RUN at STEP`` for a fork, blank for a run started from a request."""
    origin = options.get("forked_from")
    if not isinstance(origin, dict):
        return ""
    return f"{origin.get('run_id')} at {origin.get('at')}"


def _spend(checkpointer: Any, run_id: str) -> tuple[str, str]:
    """(tokens, cost) of a run for the runs table; blank when it cannot be read."""
    from featureline.spend import run_spend

    try:
        spent = run_spend(checkpointer, run_id)
    except (FeaturelineError, ValueError, KeyError, TypeError) as exc:
        return _spend_cells(exc)
    return _spend_cells(spent)


def _spend_cells(spent: tuple[int, Decimal] | Exception | None) -> tuple[str, str]:
    """The runs table's tokens and cost cells: blank when the spend could not be read."""
    if isinstance(spent, Exception):
        return "", ""
    if spent is None:
        return "0", "$0.0000"
    return str(spent[0]), f"${spent[1]:.4f}"


def _steps_table(view: RunView) -> Table:
    table = Table(show_edge=False)
    for column in (
        "step",
        "status",
        "attempts",
        "approved",
        "duration",
        "tokens",
        "cost",
        "errors",
        "reviews",
    ):
        table.add_column(column)
    for step in view.steps:
        latest_errors = [f for f in step.findings.get(step.attempts, []) if f.severity == "error"]
        table.add_row(
            step.id,
            _styled(step.status),
            str(step.attempts),
            str(step.approved_attempt or ""),
            f"{step.duration_s:.2f}s" if step.records else "",
            str(step.usage.total_tokens) if step.records or step.ledger.entries else "",
            f"${step.cost_usd:.4f}" if step.ledger.entries else "",
            str(len(latest_errors)) if latest_errors else "",
            str(len(step.reviews)) if step.reviews else "",
        )
    return table


def status(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="The run.")]) -> None:
    """Where a run stands: each step's status, and what waits for you."""
    state: CliState = ctx.obj
    view = _view(ctx, run_id, count_checkpoints=True)
    console = state.console
    console.print(
        line(
            f"run {view.info.run_id}: {view.info.title!r} — ",
            _styled(view.status),
            f" (pipeline {view.info.pipeline}, provider {view.info.provider}, "
            f"{view.checkpoints} checkpoints)",
        )
    )
    if origin := lineage(view.info.options):
        console.print(f"forked from {origin}", markup=False)
    console.print(_steps_table(view))
    if view.ledger.entries or view.budget_usd is not None:
        console.print(_spend_line(view))
    for text in _possibly_billed_lines(view):
        console.print(text, markup=False, highlight=False)
    for step in view.stopped_steps:
        console.print(f"{step.status} at {step.id}: {step.error}")
    for pending in view.pending:
        console.print(
            f"waiting for review at {pending.step} (attempt {pending.attempt}): {pending.reason}"
        )
    if view.status == "stopped":
        console.print(f"continue with: featureline resume {run_id}")


def _possibly_billed_lines(view: RunView) -> list[str]:
    """The calls a killed process sent that no ledger holds: maybe billed, so counted."""
    from featureline.reservations import possibly_billed_usd

    rows = view.possibly_billed
    if not rows:
        return []
    head = (
        f"possibly billed: ${possibly_billed_usd(rows):.4f} on {len(rows)} call(s) a killed "
        "process sent, not in the ledger (worst case unless answered; counted against "
        "--max-cost on resume)"
    )
    return [head, *(f"  {printable(row.describe())}" for row in rows)]


def _possibly_billed_json(view: RunView) -> dict[str, Any]:
    from featureline.reservations import possibly_billed_usd

    rows = view.possibly_billed
    return {
        "calls": len(rows),
        "cost_usd": str(possibly_billed_usd(rows)),
        "entries": [
            {
                "step": row.plan.step,
                "attempt": row.plan.attempt,
                "purpose": row.plan.purpose,
                "model": row.plan.model,
                "answered": row.answered,
                "worst_usd": str(row.worst_usd),
                "cost_usd": str(row.cost_usd),
                "pid": row.pid,
                "host": row.host,
                "at": row.at.isoformat(),
            }
            for row in rows
        ],
    }


def _spend_line(view: RunView) -> str:
    totals = view.ledger.total()
    line = (
        f"spent ${totals.cost_usd:.4f} on {totals.calls} call(s): {totals.input_tokens} input, "
        f"{totals.cache_write_tokens} cache-write, {totals.cache_read_tokens} cache-read, "
        f"{totals.output_tokens} output tokens"
    )
    if view.budget_usd is not None:
        line += (
            f"; budget ${view.budget_usd:.4f}, ${view.ledger.remaining(view.budget_usd):.4f} left"
        )
    return line


def show(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    step: Annotated[str | None, typer.Argument(help="One step; all steps when omitted.")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of rendered text.")
    ] = False,
    attempt: Annotated[
        int | None, typer.Option("--attempt", help="A specific attempt of STEP.")
    ] = None,
) -> None:
    """Show artifacts with their findings and review history."""
    state: CliState = ctx.obj
    view = _view(ctx, run_id)
    steps = [_find_step(view, step)] if step else view.steps
    if as_json:
        typer.echo(
            json.dumps(
                [_step_json(s, attempt) for s in steps]
                if not step
                else _step_json(steps[0], attempt),
                indent=2,
                default=str,
            )
        )
        return
    console = state.console
    if not step and (view.ledger.entries or view.budget_usd is not None):
        console.print(_spend_line(view))
    for step_view in steps:
        record = _pick_record(step_view, attempt)
        console.rule(f"{step_view.id} — {step_view.status}")
        if step_view.error:
            console.print(f"stopped: {step_view.error}")
        if step_view.ledger.entries:
            totals = step_view.ledger.total()
            console.print(
                f"{totals.calls} model call(s), {step_view.usage.total_tokens} tokens, "
                f"${totals.cost_usd:.4f} (all attempts and reviews)"
            )
        if record is None:
            console.print("no artifact yet")
            continue
        console.print(
            f"attempt {record.attempt} (round {record.round}) by "
            f"{record.producer.provider}/{record.producer.model}, {record.duration_s:.2f}s, "
            f"{record.usage.total_tokens} tokens, {record.content_hash[:19]}"
        )
        artifact = step_view.artifact() if attempt is None else None
        if artifact is not None:
            from rich.markdown import Markdown

            from featureline.render import render_markdown

            console.print(Markdown(printable(render_markdown(artifact))))
        else:
            typer.echo(json.dumps(record.artifact, indent=2, default=str))
        for number, findings in sorted(step_view.findings.items()):
            for finding in findings:
                console.print(
                    f"  attempt {number} [{finding.severity}] {finding.check} "
                    f"at {finding.location}: {finding.message}"
                )
        for review in step_view.reviews:
            console.print(
                f"  review: {review.verdict} of attempt {review.attempt} by {review.reviewer} "
                f"at {review.at:%Y-%m-%d %H:%M:%S}"
                + (f": {review.comment}" if review.comment else "")
            )


def _find_step(view: RunView, step: str) -> StepView:
    try:
        return view.step(step)
    except KeyError:
        names = ", ".join(s.id for s in view.steps)
        raise UserInputError(
            f"run {view.info.run_id} has no step {step!r} (steps: {names})"
        ) from None


def _pick_record(step: StepView, attempt: int | None) -> ArtifactRecord | None:
    if attempt is None:
        return step.approved or step.latest
    match = next((r for r in step.records if r.attempt == attempt), None)
    if match is None:
        raise UserInputError(f"step {step.id} has no attempt {attempt} (it has {step.attempts})")
    return match


def _step_json(step: StepView, attempt: int | None) -> dict[str, object]:
    record = _pick_record(step, attempt)
    return {
        "step": step.id,
        "kind": step.kind,
        "status": step.status,
        "attempts": step.attempts,
        "approved_attempt": step.approved_attempt,
        "record": record.model_dump(mode="json") if record else None,
        "findings": {str(k): [f.model_dump() for f in v] for k, v in step.findings.items()},
        "reviews": [r.model_dump(mode="json") for r in step.reviews],
        "error": step.error,
        "ledger": [e.model_dump(mode="json") for e in step.ledger.entries],
        "cost_usd": str(step.cost_usd),
    }


def history(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="The run.")]) -> None:
    """Every attempt, review and checkpoint of a run, oldest first."""
    state: CliState = ctx.obj
    workspace = _workspace(ctx, run_id)
    view = workspace.status(run_id)
    console = state.console
    attempts = Table(title="attempts", show_edge=False)
    for column in (
        "step",
        "attempt",
        "round",
        "producer",
        "started",
        "duration",
        "tokens",
        "errors",
        "hash",
        "feedback",
    ):
        attempts.add_column(column)
    records = sorted((r for s in view.steps for r in s.records), key=lambda r: r.started_at)
    for record in records:
        findings = view.step(record.step).findings.get(record.attempt, [])
        attempts.add_row(
            record.step,
            str(record.attempt),
            str(record.round),
            f"{record.producer.provider}/{record.producer.model}",
            f"{record.started_at:%H:%M:%S}",
            f"{record.duration_s:.2f}s",
            str(record.usage.total_tokens),
            str(sum(1 for f in findings if f.severity == "error")),
            record.content_hash[7:19],
            "; ".join(record.feedback)[:80],
        )
    console.print(attempts)
    reviews = Table(title="reviews", show_edge=False)
    for column in ("step", "attempt", "policy", "verdict", "reviewer", "at", "comment"):
        reviews.add_column(column)
    for review in sorted((r for s in view.steps for r in s.reviews), key=lambda r: r.at):
        reviews.add_row(
            review.step,
            str(review.attempt),
            review.policy,
            review.verdict,
            review.reviewer,
            f"{review.at:%H:%M:%S}",
            review.comment,
        )
    console.print(reviews)
    checkpoints = workspace.history(run_id)
    table = Table(title=f"checkpoints ({len(checkpoints)})", show_edge=False)
    for column in ("superstep", "source", "created", "next", "checkpoint"):
        table.add_column(column)
    for row in checkpoints:
        table.add_row(
            str(row["superstep"]),
            str(row["source"]),
            str(row["created_at"])[11:19],
            ", ".join(row["next"]),
            str(row["checkpoint_id"]),
        )
    console.print(table)


def export_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    directory: Annotated[Path, typer.Argument(help="Where to write the files.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Export into a non-empty DIR, replacing only what an earlier export wrote.",
        ),
    ] = False,
) -> None:
    """Write every step's artifact to DIR: markdown, SQL, OpenAPI, the service tree."""
    state: CliState = ctx.obj
    written = _workspace(ctx, run_id).export(run_id, directory, force=force)
    state.console.print(f"exported {len(written)} files to {directory}")
    root = directory.absolute()
    for path in written:
        typer.echo(f"  {printable(str(path.absolute().relative_to(root)))}")


def graph_cmd(
    ctx: typer.Context,
    graph: Annotated[
        str | None, typer.Option("--graph", help="Pipeline YAML file or shipped name.")
    ] = None,
    mermaid: Annotated[
        bool, typer.Option("--mermaid", help="Print the compiled LangGraph as Mermaid.")
    ] = False,
    agents: Annotated[
        Path | None, typer.Option("--agents", help="Folder of agent .md files.")
    ] = None,
) -> None:
    """Print a pipeline: its stages, or the compiled graph as Mermaid."""
    from featureline.agents import load_agents
    from featureline.graph import compiled_graph
    from featureline.paths import default_agents_dir, resolve_pipeline_path
    from featureline.pipeline import load_pipeline

    state: CliState = ctx.obj
    spec = load_pipeline(resolve_pipeline_path(graph))
    if mermaid:
        load_agents(agents or default_agents_dir())  # a graph whose agents do not load is no use
        compiled = compiled_graph(spec)
        typer.echo(compiled.get_graph().draw_mermaid())
        return
    console = state.console
    console.print(f"pipeline {spec.name}: {spec.description}")
    for number, stage in enumerate(spec.stages(), start=1):
        parallel = " (in parallel)" if len(stage) > 1 else ""
        console.print(f"  stage {number}{parallel}")
        for step_id in stage:
            step = spec.step(step_id)
            inputs = ", ".join(step.inputs) or "the request"
            after = f"; after {', '.join(step.after)}" if step.after else ""
            console.print(
                f"    {step.id:<15} sees {inputs}{after}; gate {spec.gate_for(step)}, "
                f"max {spec.max_attempts_for(step)} attempts, agent {spec.agent_for(step)}"
            )


def trace_cmd(ctx: typer.Context, run_id: Annotated[str, typer.Argument(help="The run.")]) -> None:
    """Traceability: requirement -> component -> table -> endpoint -> test -> result."""
    state: CliState = ctx.obj
    from featureline.trace import build_trace

    rows = build_trace(_workspace(ctx, run_id).artifacts(run_id))
    if not rows:
        raise UserInputError(f"run {run_id} has no requirements artifact yet")
    table = Table(show_edge=False, title=f"traceability of {run_id}")
    for column in ("requirement", "components", "tables", "endpoints", "tests", "result", "gaps"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            f"{row.requirement} {row.title[:40]}",
            ", ".join(row.components),
            ", ".join(row.tables),
            "\n".join(row.endpoints),
            str(len(row.tests)) if row.tests else "",
            row.result,
            "; ".join(row.gaps),
        )
    state.console.print(table)


def check_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    step: Annotated[str | None, typer.Argument(help="One step; all steps when omitted.")] = None,
    verify: Annotated[
        bool,
        typer.Option("--verify/--no-verify", help="Also run the generated code in the sandbox."),
    ] = True,
) -> None:
    """Re-run the checks on a run's stored artifacts (exit 1 when any reports an error)."""
    state: CliState = ctx.obj
    workspace = _workspace(ctx, run_id)
    view = workspace.status(run_id)
    steps = [_find_step(view, step)] if step else view.steps
    results = workspace.recheck(run_id, [s.id for s in steps], verify=verify)
    errors = 0
    for step_id, findings in results.items():
        if findings is None:
            state.console.print(f"{step_id:<15} no artifact yet")
            continue
        counted = sum(1 for f in findings if f.severity == "error")
        errors += counted
        status = styled("errors", "red") if counted else styled("ok", "green")
        state.console.print(line(f"{step_id:<15} ", status, f"  {len(findings)} finding(s)"))
        for finding in findings:
            state.console.print(
                f"    [{finding.severity}] {finding.check} at {finding.location}: {finding.message}"
            )
    if errors:
        raise typer.Exit(1)


def cost_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run.")],
    calls: Annotated[bool, typer.Option("--calls", help="Also list every call.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the ledger as JSON.")] = False,
) -> None:
    """What a run spent: tokens and cost by step, by model and by outcome."""
    state: CliState = ctx.obj
    view = _view(ctx, run_id)
    ledger = view.ledger
    if as_json:
        report: dict[str, Any] = {
            "run_id": run_id,
            "budget_usd": str(view.budget_usd) if view.budget_usd is not None else None,
            "total": ledger.total().model_dump(mode="json"),
            "by_step": {k: v.model_dump(mode="json") for k, v in ledger.by_step().items()},
            "by_model": {k: v.model_dump(mode="json") for k, v in ledger.by_model().items()},
            "by_outcome": {k: v.model_dump(mode="json") for k, v in ledger.by_outcome().items()},
            "entries": [e.model_dump(mode="json", exclude={"reservation"}) for e in ledger.entries],
        }
        if view.possibly_billed:
            report["possibly_billed"] = _possibly_billed_json(view)
        typer.echo(json.dumps(report, indent=2))
        return
    console = state.console
    console.print(line(f"run {run_id}: {view.info.title!r} — ", _styled(view.status)))
    for text in _possibly_billed_lines(view):
        console.print(text, markup=False, highlight=False)
    if not ledger.entries:
        console.print(f"no model calls (provider {view.info.provider})")
        return
    console.print(_spend_line(view))
    for title, groups in (
        ("by step", ledger.by_step()),
        ("by model", ledger.by_model()),
        ("by outcome", ledger.by_outcome()),
    ):
        table = Table(title=title, show_edge=False, title_justify="left")
        for column in ("", "calls", "input", "cache write", "cache read", "output", "cost"):
            table.add_column(column, justify="left" if not column else "right")
        for name, totals in groups.items():
            table.add_row(
                name,
                str(totals.calls),
                str(totals.input_tokens),
                str(totals.cache_write_tokens),
                str(totals.cache_read_tokens),
                str(totals.output_tokens),
                f"${totals.cost_usd:.4f}",
            )
        console.print(table)
    if calls:
        table = Table(title="calls", show_edge=False, title_justify="left")
        for column in ("step", "attempt", "call", "purpose", "model", "outcome", "tokens", "cost"):
            table.add_column(column)
        for entry in ledger.entries:
            table.add_row(
                entry.step,
                str(entry.attempt),
                str(entry.call),
                entry.purpose,
                entry.model,
                entry.outcome + (f" ({entry.detail[:60]})" if entry.detail else ""),
                str(entry.usage.total_tokens),
                f"${entry.cost_usd:.4f}",
            )
        console.print(table)

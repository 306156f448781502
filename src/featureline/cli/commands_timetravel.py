"""Commands that go back in a run's history: rewind (reopen a step in place), fork (a new
run from another's approved artifacts) and diff (attempts, forks and runs compared)."""

from __future__ import annotations

import getpass
import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from featureline.agents import load_agents
from featureline.api import Workspace
from featureline.cli.commands_run import (
    DelayOption,
    ProviderOption,
    _decimal,
    _specialist_for_run,
    describe_specialist,
)
from featureline.cli.context import CliState
from featureline.cli.outcome import report_outcome
from featureline.cli.progress import ProgressBoard, StepRow
from featureline.diff import Side, diff_sides, resolve_sides
from featureline.engine import RunOptions
from featureline.errors import PipelineFileError, UserInputError
from featureline.graph import downstream_of, required_agents
from featureline.paths import default_agents_dir, resolve_pipeline_path
from featureline.pipeline import GatePolicy, load_pipeline
from featureline.providers import make_specialist
from featureline.timetravel import check_reopenable
from featureline.views import RunView

ReviewerOption = Annotated[
    str | None,
    typer.Option(
        "--reviewer", envvar="FEATURELINE_REVIEWER", help="Who reopens [default: your login]."
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(rewind)
    app.command()(fork)
    app.command()(diff)


def rewind(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run (waiting, done, failed or stopped).")],
    step: Annotated[str, typer.Argument(help="The step to reopen; everything after it re-runs.")],
    comment: Annotated[
        str, typer.Option("--comment", help="What the step must change: its next feedback.")
    ] = "",
    reviewer: ReviewerOption = None,
    provider: ProviderOption = None,
    builtin_delay: DelayOption = 0.0,
) -> None:
    """Reopen STEP of a run in place; it and every step after it run again.

    The comment is STEP's feedback; upstream steps keep their approved artifacts and every
    earlier attempt stays in the history. Works on waiting, done, failed and stopped runs.
    """
    state: CliState = ctx.obj
    specialist = _specialist_for_run(state, run_id, provider, builtin_delay)
    workspace = Workspace(specialist, store=state.store)
    view = workspace.status(run_id)
    check_reopenable(view, step)
    state.console.print(
        f"reopening {step} of run {run_id} with the "
        f"{describe_specialist(specialist, RunOptions.from_json(view.info.options))}",
        markup=False,
    )
    with ProgressBoard.continuing(view, state.console) as board:
        view = workspace.rewind(
            run_id,
            step,
            comment=comment,
            reviewer=reviewer or getpass.getuser(),
            on_event=board,
        )
    report_outcome(state.console, view)


def fork(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run to fork.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="The first step the fork runs (default: the run's first step not approved).",
        ),
    ] = None,
    graph: Annotated[
        str | None,
        typer.Option("--graph", help="Another pipeline (steps match the source by id and kind)."),
    ] = None,
    agents: Annotated[
        Path | None, typer.Option("--agents", help="Folder of agent .md files.")
    ] = None,
    gates: Annotated[
        GatePolicy | None,
        typer.Option("--gates", help="Override every step's gate: human|critic|auto|none."),
    ] = None,
    provider: ProviderOption = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Claude model id or alias for the fork.")
    ] = None,
    max_cost: Annotated[
        float | None, typer.Option("--max-cost", min=0.0, help="The fork's budget in USD.")
    ] = None,
    verify: Annotated[
        bool | None,
        typer.Option(
            "--verify/--no-verify", help="Run generated code in the sandbox (default: as RUN)."
        ),
    ] = None,
    builtin_delay: DelayOption = 0.0,
) -> None:
    """Start a new run from RUN's approved artifacts, running --at STEP onward.

    Steps outside STEP and its downstream are taken over by reference; the fork may use
    another provider, model, gate policy or pipeline. RUN is untouched.
    """
    state: CliState = ctx.obj
    specialist = _specialist_for_run(state, run_id, provider, builtin_delay)
    workspace = Workspace(specialist, store=state.store)
    source = workspace.status(run_id)
    options = RunOptions.from_json(source.info.options)
    if graph is not None:
        options = replace(options, spec=load_pipeline(resolve_pipeline_path(graph)))
    if agents is not None or graph is not None:
        folder = agents or default_agents_dir()
        options = replace(options, agents={**options.agents, **load_agents(folder)})
    if gates is not None:
        options = replace(options, gates=gates)
    if model is not None:
        options = replace(options, model=model)
    if max_cost is not None:
        options = replace(options, max_cost=_decimal(max_cost))
    if verify is not None:
        options = replace(options, verify=verify)
    missing = sorted(required_agents(options.spec, options.gates) - set(options.agents))
    if missing:
        raise PipelineFileError(
            options.spec.name, f"needs agent(s) not found: {', '.join(missing)}"
        )
    state.console.print(
        f"forking run {run_id}{f' at {at}' if at else ''} through pipeline "
        f"{options.spec.name} with the {describe_specialist(specialist, options)}",
        markup=False,
    )
    with _fork_board(source, options, at, state.console) as board:
        view = workspace.fork(run_id, at=at, options=options, on_event=board)
    origin = view.info.options.get("forked_from", {})
    state.console.print(
        f"run {view.info.run_id} forked from {run_id} at {origin.get('at')}", markup=False
    )
    report_outcome(state.console, view)


def _fork_board(
    source: RunView, options: RunOptions, at: str | None, console: Console
) -> ProgressBoard:
    """A board on which the steps the fork takes over from its source show as approved."""
    approved = {s.id: s for s in source.steps if s.status == "approved"}
    first = at or next((s.id for s in options.spec.steps if s.id not in approved), None)
    rerun = set(downstream_of(options.spec, first)) if first in options.spec.step_ids else set()
    rows = {
        step.id: (
            StepRow(status="approved", attempt=approved[step.id].approved_attempt or 0)
            if step.id in approved and step.id not in rerun
            else StepRow()
        )
        for step in options.spec.steps
    }
    return ProgressBoard(options.spec, console, rows)


def diff(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="RUN, RUN:STEP or RUN:STEP@ATTEMPT")],
    b: Annotated[
        str | None,
        typer.Argument(
            help="RUN, RUN:STEP or RUN:STEP@ATTEMPT (default: the attempt before A's, or the "
            "run A was forked from)"
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for tools.")] = False,
    stat: Annotated[bool, typer.Option("--stat", help="Only a per-file summary.")] = False,
) -> None:
    """Compare two attempts of a step, a run and its fork, or two runs, file by file.

    A unified diff of the rendered markdown and the generated files (SQL, OpenAPI, the
    service tree). One side alone: RUN:STEP against its attempt before, a fork against
    the run it was forked from.
    """
    if as_json and stat:
        raise UserInputError("give one of --json and --stat")
    state: CliState = ctx.obj
    with Workspace(make_specialist("builtin"), store=state.store) as workspace:
        first = Side.parse(a)
        a_view = workspace.status(first.run_id)
        left, right = resolve_sides(first, Side.parse(b) if b is not None else None, a_view)
        left_view = a_view if left.run_id == a_view.info.run_id else workspace.status(left.run_id)
        right_view = (
            a_view if right.run_id == a_view.info.run_id else workspace.status(right.run_id)
        )
        result = diff_sides(left, left_view, right, right_view)
    if as_json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    elif stat:
        typer.echo(result.stat(), nl=False)
    elif not result.files:
        typer.echo(f"no differences between {left.label()} and {right.label()}")
    else:
        typer.echo(result.unified(), nl=False)

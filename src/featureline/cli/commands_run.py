"""Commands that execute a run: run, resume, review."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer
import yaml

from featureline.api import Pipeline, Workspace
from featureline.cli.context import CliState
from featureline.cli.outcome import report_outcome
from featureline.cli.progress import ProgressBoard
from featureline.errors import ReviewError
from featureline.pipeline import GatePolicy
from featureline.providers import PROVIDERS, make_specialist
from featureline.request import read_request

ProviderOption = Annotated[
    str | None,
    typer.Option("--provider", help=f"Who produces the artifacts: {', '.join(PROVIDERS)}."),
]
DelayOption = Annotated[
    float,
    typer.Option(
        "--builtin-delay",
        envvar="FEATURELINE_BUILTIN_DELAY",
        min=0.0,
        help="Seconds the builtin specialist waits per step, to simulate model latency.",
    ),
]


def register(app: typer.Typer) -> None:
    app.command()(run)
    app.command()(resume)
    app.command()(review)


def run(
    ctx: typer.Context,
    request: Annotated[
        str, typer.Argument(help="A feature request: a .md/.txt file or the text itself.")
    ],
    graph: Annotated[
        str | None, typer.Option("--graph", help="Pipeline YAML file or shipped name.")
    ] = None,
    agents: Annotated[
        Path | None, typer.Option("--agents", help="Folder of agent .md files.")
    ] = None,
    gates: Annotated[
        GatePolicy | None,
        typer.Option("--gates", help="Override every step's gate: human|auto|none."),
    ] = None,
    provider: ProviderOption = None,
    builtin_delay: DelayOption = 0.0,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Export the artifacts here when the run is done."),
    ] = None,
    verify: Annotated[
        bool,
        typer.Option(
            "--verify/--no-verify",
            envvar="FEATURELINE_VERIFY",
            help="Run the generated service, its tests and a load test in the sandbox.",
        ),
    ] = True,
) -> None:
    """Start a run of REQUEST through the pipeline."""
    state: CliState = ctx.obj
    console = state.console
    feature = read_request(request)
    specialist = make_specialist(provider, delay_s=builtin_delay)
    pipeline = Pipeline.load(
        graph, agents=agents, provider=specialist, store=state.store, gates=gates, verify=verify
    )
    console.print(
        f"featureline: {feature.title!r} through pipeline {pipeline.spec.name} "
        f"with the {specialist.name} specialist"
        + (
            " (offline, deterministic — not a language model)"
            if specialist.name == "builtin"
            else ""
        )
    )
    with ProgressBoard(pipeline.spec, console) as board:
        view = pipeline.run(feature, on_event=board)
    if export is not None and view.status == "done":
        written = pipeline.export(view.info.run_id, export)
        console.print(f"exported {len(written)} files to {export}")
    report_outcome(console, view)


def resume(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    provider: ProviderOption = None,
    builtin_delay: DelayOption = 0.0,
) -> None:
    """Continue a run from its last checkpoint (after a crash or an error)."""
    state: CliState = ctx.obj
    workspace = Workspace(make_specialist(provider, delay_s=builtin_delay), store=state.store)
    board = ProgressBoard.continuing(workspace.status(run_id), state.console)
    state.console.print(f"resuming run {run_id} with the {workspace.specialist.name} specialist")
    with board:
        view = workspace.resume(run_id, on_event=board)
    report_outcome(state.console, view)


def review(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run waiting for review.")],
    step: Annotated[
        str | None, typer.Argument(help="The step to review; needed only when two gates wait.")
    ] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve the artifact.")] = False,
    reject: Annotated[
        str | None,
        typer.Option("--reject", help="Reject with a comment; the step runs again with it."),
    ] = None,
    edit: Annotated[
        Path | None,
        typer.Option(
            "--edit", help="Replace the artifact with this JSON/YAML file; it is checked again."
        ),
    ] = None,
    comment: Annotated[
        str, typer.Option("--comment", help="A note kept with an approval or edit.")
    ] = "",
    reviewer: Annotated[
        str | None,
        typer.Option(
            "--reviewer", envvar="FEATURELINE_REVIEWER", help="Who reviews [default: your login]."
        ),
    ] = None,
    provider: ProviderOption = None,
    builtin_delay: DelayOption = 0.0,
) -> None:
    """Answer a waiting gate (non-interactive, for scripts), then continue the run."""
    state: CliState = ctx.obj
    if sum([approve, reject is not None, edit is not None]) != 1:
        raise ReviewError('give exactly one of --approve, --reject "comment" or --edit FILE')
    if reject is not None and not reject.strip():
        raise ReviewError("--reject needs a comment saying what to change")
    edited = _read_edit(edit) if edit is not None else None
    workspace = Workspace(make_specialist(provider, delay_s=builtin_delay), store=state.store)
    with ProgressBoard.continuing(workspace.status(run_id), state.console) as board:
        view = workspace.review(
            run_id,
            approve=approve,
            reject=reject,
            edit=edited,
            step=step,
            reviewer=reviewer or getpass.getuser(),
            comment=comment,
            on_event=board,
        )
    report_outcome(state.console, view)


def _read_edit(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"cannot read edited artifact {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ReviewError(f"edited artifact {path} is not valid JSON/YAML") from exc
    if not isinstance(data, dict):
        raise ReviewError(f"edited artifact {path} must be a mapping of the artifact's fields")
    return data

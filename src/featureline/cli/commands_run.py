"""Commands that execute a run: run, resume, review."""

from __future__ import annotations

import getpass
import json
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Annotated

import typer
import yaml

from featureline.agents import AgentCollection, AgentSpec
from featureline.agentswap import swap_agents
from featureline.api import Pipeline, Workspace
from featureline.cli.context import CliState
from featureline.cli.outcome import report_outcome
from featureline.cli.progress import ProgressBoard
from featureline.cli.readonly import store_is_missing
from featureline.cli.safe import SafeConsole, line, styled
from featureline.engine import RunOptions, planned_models
from featureline.errors import ReviewError, RunLockedError, UnknownRunError
from featureline.export import check_export_target
from featureline.graph import required_agents
from featureline.pipeline import GatePolicy, PipelineSpec
from featureline.providers import PROVIDERS, Specialist, make_specialist
from featureline.request import read_request
from featureline.safeyaml import load_yaml
from featureline.sandbox import Sandbox
from featureline.store import open_store, resolve_store_url
from featureline.textsafe import printable

ProviderOption = Annotated[
    str | None,
    typer.Option(
        "--provider",
        help=f"Who produces the artifacts: {'|'.join(PROVIDERS)} [default: anthropic when "
        "ANTHROPIC_API_KEY is set, else builtin; on resume/review: the run's own].",
    ),
]
MaxCostOption = Annotated[
    float | None,
    typer.Option(
        "--max-cost",
        min=0.0,
        help="Budget in USD: the run stops before a model call that could pass it.",
    ),
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
        Path | None,
        typer.Option("--agents", help="Folder of agent .md files (searched recursively)."),
    ] = None,
    agent: Annotated[
        Path | None,
        typer.Option("--agent", help="Agent file (.md) that does every step of this run."),
    ] = None,
    reviewer: Annotated[
        list[Path] | None,
        typer.Option(
            "--reviewer",
            help="Agent file that reviews every critic-gated step instead of the default "
            "reviewers (repeatable).",
        ),
    ] = None,
    gates: Annotated[
        GatePolicy | None,
        typer.Option("--gates", help="Override every step's gate: human|critic|auto|none."),
    ] = None,
    provider: ProviderOption = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            envvar="FEATURELINE_MODEL",
            help="Claude model id or alias (sonnet|opus|haiku); a step's own `model:` wins.",
        ),
    ] = None,
    max_cost: MaxCostOption = None,
    prices: Annotated[
        Path | None,
        typer.Option("--prices", help="Price file (YAML) overriding the shipped price table."),
    ] = None,
    builtin_delay: DelayOption = 0.0,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="Export the artifacts here when the run is done."),
    ] = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="With --export: replace what an earlier export wrote in DIR."),
    ] = False,
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
    if export is not None and not force:
        check_export_target(export)
    feature = read_request(request)
    specialist = make_specialist(provider, delay_s=builtin_delay)
    pipeline = Pipeline.load(
        graph,
        agents=agents,
        provider=specialist,
        store=state.store,
        gates=gates,
        model=model,
        verify=verify,
        max_cost=_decimal(max_cost),
        prices=prices,
    )
    pipeline.spec, pipeline.agents = swap_agents(
        pipeline.spec, pipeline.agents, agent, reviewer or ()
    )
    for warning in agent_warnings(pipeline.agents, pipeline.spec, gates):
        typer.echo(f"warning: {printable(warning)}", err=True)
    options = RunOptions(
        spec=pipeline.spec,
        agents=pipeline.agents,
        gates=gates,
        model=model,
        max_cost=pipeline.max_cost,
    )
    console.print(
        f"featureline: {feature.title!r} through pipeline {pipeline.spec.name} "
        f"with the {describe_specialist(specialist, options)}"
    )
    announce_sandbox(console, verify)
    with ProgressBoard(pipeline.spec, console) as board:
        view = pipeline.run(feature, on_event=board)
    if export is not None and view.status == "done":
        written = pipeline.export(view.info.run_id, export, force=force)
        console.print(f"exported {len(written)} files to {export}")
    report_outcome(console, view)


def resume(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run to continue.")],
    provider: ProviderOption = None,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost", min=0.0, help="A new budget in USD for the run (e.g. to raise it)."
        ),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            help="Claude model id or alias for every remaining call of the run (e.g. after "
            "a stop on a model the API does not know).",
        ),
    ] = None,
    builtin_delay: DelayOption = 0.0,
) -> None:
    """Continue a run from its last checkpoint (after a crash, an error or a budget stop)."""
    state: CliState = ctx.obj
    refuse_if_held(state, run_id)
    specialist = _specialist_for_run(state, run_id, provider, builtin_delay, model)
    workspace = Workspace(specialist, store=state.store)
    view = workspace.status(run_id)
    board = ProgressBoard.continuing(view, state.console)
    budget = _decimal(max_cost) if max_cost is not None else view.budget_usd
    options = replace(RunOptions.from_json(view.info.options), max_cost=budget)
    state.console.print(
        f"resuming run {run_id} with the {describe_specialist(specialist, options)}"
    )
    announce_sandbox(state.console, options.verify)
    with board:
        view = workspace.resume(run_id, on_event=board, max_cost=_decimal(max_cost))
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
    attempt: Annotated[
        int | None,
        typer.Option(
            "--attempt",
            min=1,
            help="The attempt you reviewed: refused if the gate no longer waits for it.",
        ),
    ] = None,
    reopen: Annotated[
        str | None,
        typer.Option(
            "--reopen",
            help="With --reject: reopen this upstream step (and all after it) instead.",
        ),
    ] = None,
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
    if reopen is not None and reject is None:
        raise ReviewError('--reopen goes with --reject "comment": say why the step reopens')
    edited = _read_edit(edit) if edit is not None else None
    refuse_if_held(state, run_id)
    specialist = _specialist_for_run(state, run_id, provider, builtin_delay)
    workspace = Workspace(specialist, store=state.store)
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
            attempt=attempt,
            reopen=reopen,
        )
    report_outcome(state.console, view)


def refuse_if_held(state: CliState, run_id: str) -> None:
    """The one-line refusal before anything is printed when another live process holds the
    run (the engine's lease decides anyway; this only keeps the refusal alone on screen)."""
    if store_is_missing(state.store):  # never create a store to look for a run
        raise UnknownRunError(run_id)
    with open_store(resolve_store_url(state.store)) as store:
        holder = store.runs.leases.holder(run_id)
    if holder is not None and holder.alive():
        raise RunLockedError(run_id, holder.describe())


def announce_sandbox(console: SafeConsole, verify: bool) -> None:
    """Say which isolation generated code will run under, and warn about every guarantee
    this machine cannot give (a weaker fallback is never silent)."""
    if not verify:
        console.print("sandbox: off (--no-verify): generated code is not run")
        return
    with Sandbox() as probe:  # exactly what the run's sandbox will get here
        console.print(f"sandbox: {probe.network_isolation}")
        for weakness in probe.weaknesses():
            console.print(line(styled("warning", "yellow"), f": sandbox weaker here: {weakness}"))


def describe_specialist(specialist: Specialist, options: RunOptions) -> str:
    """Rule 6: say who works before the run starts — the provider, and for Claude the model
    (and any step that uses another one), the endpoint and the budget."""
    if specialist.name == "builtin":
        return "builtin specialist (offline, deterministic — not a language model)"
    models = {
        step: model
        for step, model in planned_models(options, specialist).items()
        if "." not in step
    }
    if not models:
        return f"{specialist.name} specialist"
    main = Counter(models.values()).most_common(1)[0][0]
    others = ", ".join(f"{step}: {model}" for step, model in models.items() if model != main)
    parts = [f"model {main}" + (f" ({others})" if others else "")]
    base_url = getattr(specialist, "base_url", None)
    if base_url:
        parts.append(f"at {base_url}")
    if options.max_cost is not None:
        parts.append(f"budget ${options.max_cost:.2f}")
    return f"{specialist.name} specialist (Claude, {', '.join(parts)})"


def _specialist_for_run(
    state: CliState,
    run_id: str,
    provider: str | None,
    delay_s: float,
    pinned_model: str | None = None,
) -> Specialist:
    """``--provider``, else the provider the run was started with (when it is one we can
    make), else the default; so a resume never switches provider behind the user's back."""
    if store_is_missing(state.store):  # never create a store to look for a run
        raise UnknownRunError(run_id)
    if provider is None:
        with open_store(resolve_store_url(state.store)) as store:
            recorded = store.runs.get(run_id).provider
        provider = recorded if recorded in PROVIDERS else None
    return make_specialist(provider, delay_s=delay_s, pinned_model=pinned_model)


def agent_warnings(
    agents: dict[str, AgentSpec], spec: PipelineSpec, gates: GatePolicy | None
) -> list[str]:
    """What the user should know about the agents: folder problems (a duplicated name, a
    file that did not load) and the warnings of the agents this run uses."""
    used = required_agents(spec, gates)
    lines = list(agents.problems) if isinstance(agents, AgentCollection) else []
    lines += [w for name in sorted(used) if name in agents for w in agents[name].warnings]
    return lines


def _decimal(value: float | None) -> Decimal | None:
    return Decimal(str(value)) if value is not None else None


def _read_edit(path: Path) -> dict[str, object]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReviewError(f"cannot read edited artifact {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ReviewError(f"edited artifact {path} is not valid JSON/YAML") from exc
    if not isinstance(data, dict):
        raise ReviewError(f"edited artifact {path} must be a mapping of the artifact's fields")
    return data

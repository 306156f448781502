"""The `featureline` command: global options, error handling and exit codes.

Exit codes: 0 done, 1 failure, 2 bad input, 3 waiting for review.

Start-up is lazy: the command modules (and LangGraph behind them) are imported only when
one of their commands runs, so ``featureline --help`` and ``--version`` answer at once.
:data:`COMMANDS` lists every command with its one-line help; a test keeps it equal to the
commands' own docstrings.
"""

from __future__ import annotations

import importlib
import os
import sqlite3
import sys
from typing import Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from featureline import __version__
from featureline.cli.context import CliState
from featureline.errors import FeaturelineError
from featureline.textsafe import printable

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("commands_run", "Start a run of REQUEST through the pipeline."),
    "resume": (
        "commands_run",
        "Continue a run from its last checkpoint (after a crash, an error or a budget stop).",
    ),
    "review": (
        "commands_run",
        "Answer a waiting gate (non-interactive, for scripts), then continue the run.",
    ),
    "runs": ("commands_inspect", "List the runs in the store, newest first."),
    "status": (
        "commands_inspect",
        "Where a run stands: each step's status, and what waits for you.",
    ),
    "show": ("commands_inspect", "Show artifacts with their findings and review history."),
    "history": ("commands_inspect", "Every attempt, review and checkpoint of a run, oldest first."),
    "export": (
        "commands_inspect",
        "Write every step's artifact to DIR: markdown, SQL, OpenAPI, the service tree.",
    ),
    "graph": (
        "commands_inspect",
        "Print a pipeline: its stages, or the compiled graph as Mermaid.",
    ),
    "trace": (
        "commands_inspect",
        "Traceability: requirement -> component -> table -> endpoint -> test -> result.",
    ),
    "check": (
        "commands_inspect",
        "Re-run the checks on a run's stored artifacts (exit 1 when any reports an error).",
    ),
    "cost": (
        "commands_inspect",
        "What a run spent: tokens and cost by step, by model and by outcome.",
    ),
    "rewind": (
        "commands_timetravel",
        "Reopen STEP of a run in place; it and every step after it run again.",
    ),
    "fork": (
        "commands_timetravel",
        "Start a new run from RUN's approved artifacts, running --at STEP onward.",
    ),
    "diff": (
        "commands_timetravel",
        "Compare two attempts of a step, a run and its fork, or two runs, file by file.",
    ),
    "up": (
        "commands_up",
        "Start a run's generated service on 127.0.0.1 with demo users; serve until Ctrl-C.",
    ),
    "ui": (
        "commands_ui",
        "Serve a web app to follow runs live, read their artifacts and decide at their gates.",
    ),
}
"""Command -> (module under featureline.cli, one-line help), in the order help lists them."""


def load_commands(module: str, only: str | None = None) -> dict[str, Any]:
    """The click commands one command module registers (imports the module); with
    ``only``, just that one (typer reads every command's signature when it builds one)."""
    imported = importlib.import_module(f"featureline.cli.{module}")
    sub = typer.Typer()
    imported.register(sub)
    if only is not None:
        sub.registered_commands = [
            info
            for info in sub.registered_commands
            if (info.name or typer.main.get_command_name(getattr(info.callback, "__name__", "")))
            == only
        ]
    group = typer.main.get_group(sub)
    return dict(group.commands)


class FeaturelineGroup(TyperGroup):
    """Turns any error into one line on stderr and an exit code: a FeaturelineError's own,
    1 for anything unexpected. Tracebacks only with --debug. Commands load on first use."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        entry = COMMANDS.get(cmd_name)
        if entry is None:
            return None
        module, short_help = entry
        if self._listing:  # the group's --help: one line each, nothing imported
            return TyperCommand(cmd_name, help=short_help, short_help=short_help)
        return load_commands(module, only=cmd_name).get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from featureline.cli.richhelp import load_rich_help

        load_rich_help()
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FeaturelineError as exc:
            if _debugging(ctx):
                raise
            typer.echo(f"error: {printable(str(exc))}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except BrokenPipeError:
            # the reader went away (`featureline ... | head`): stop quietly, exit 1 as click does
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(1) from None
        except sqlite3.Error as exc:  # a database error the store did not see first
            if _debugging(ctx):
                raise
            from featureline.store import resolve_store_url, sqlite_problem

            store = resolve_store_url(ctx.obj.store if isinstance(ctx.obj, CliState) else None)
            typer.echo(f"error: store {printable(store)} {sqlite_problem(exc)}", err=True)
            raise typer.Exit(2) from None
        except Exception as exc:
            if _debugging(ctx) or type(exc).__module__.startswith(("typer", "click")):
                raise  # typer's own exits, aborts and usage errors
            first = printable(str(exc).strip().splitlines()[0]) if str(exc).strip() else ""
            typer.echo(
                f"error: unexpected {type(exc).__name__}: {first} (rerun with --debug for details)",
                err=True,
            )
            raise typer.Exit(1) from None


def _debugging(ctx: Any) -> bool:
    state = ctx.obj if isinstance(ctx.obj, CliState) else None
    return state is not None and state.debug


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"featureline {__version__}")
        raise typer.Exit(0)


app = typer.Typer(
    cls=FeaturelineGroup,
    help="Drive a feature request through a backend specialist's eight steps.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main_options(
    ctx: typer.Context,
    store: Annotated[
        str | None,
        typer.Option(
            help="Store: a SQLite path, sqlite:///path or postgresql://... [env: FEATURELINE_STORE]"
        ),
    ] = None,
    log_json: Annotated[bool, typer.Option("--log-json", help="Log JSON lines to stderr.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log every step event.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks for errors.")] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print featureline's version and exit.",
        ),
    ] = False,
) -> None:
    from featureline.logging import prefer_logging

    level = "debug" if debug else ("info" if verbose or log_json else "warning")
    prefer_logging(json_lines=log_json, level=level)
    ctx.obj = CliState(store=store, debug=debug)


def main() -> None:
    """Console-script entry point."""
    app()

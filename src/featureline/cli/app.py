"""The `featureline` command: global options, error handling and exit codes.

Exit codes: 0 done, 1 failure, 2 bad input, 3 waiting for review.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from featureline.cli import commands_inspect, commands_run, commands_up
from featureline.cli.context import CliState
from featureline.errors import FeaturelineError
from featureline.logging import configure_logging


class FeaturelineGroup(TyperGroup):
    """Turns any error into one line on stderr and an exit code: a FeaturelineError's own,
    1 for anything unexpected. Tracebacks only with --debug."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FeaturelineError as exc:
            if _debugging(ctx):
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None
        except Exception as exc:
            if _debugging(ctx) or type(exc).__module__.startswith(("typer", "click")):
                raise  # typer's own exits, aborts and usage errors
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            typer.echo(
                f"error: unexpected {type(exc).__name__}: {first} (rerun with --debug for details)",
                err=True,
            )
            raise typer.Exit(1) from None


def _debugging(ctx: Any) -> bool:
    state = ctx.obj if isinstance(ctx.obj, CliState) else None
    return state is not None and state.debug


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
) -> None:
    level = "debug" if debug else ("info" if verbose or log_json else "warning")
    configure_logging(json_lines=log_json, level=level)
    ctx.obj = CliState(store=store, debug=debug)


commands_run.register(app)
commands_inspect.register(app)
commands_up.register(app)


def main() -> None:
    """Console-script entry point."""
    app()

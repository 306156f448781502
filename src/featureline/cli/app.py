"""The `featureline` command: global options, error handling and exit codes.

Exit codes: 0 done, 1 failure, 2 bad input, 3 waiting for review.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from featureline.cli import commands_inspect, commands_run
from featureline.cli.context import CliState
from featureline.errors import FeaturelineError
from featureline.logging import configure_logging


class FeaturelineGroup(TyperGroup):
    """Turns any FeaturelineError into one line on stderr and its exit code (no traceback
    unless --debug)."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except FeaturelineError as exc:
            state = ctx.obj if isinstance(ctx.obj, CliState) else None
            if state is not None and state.debug:
                raise
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None


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


def main() -> None:
    """Console-script entry point."""
    app()

"""`featureline ui`: serve the review web app over the same store as the other commands."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from featureline.cli.context import CliState
from featureline.store import resolve_store_url


def register(app: typer.Typer) -> None:
    app.command(name="ui")(ui)


def ui(
    ctx: typer.Context,
    port: Annotated[
        int, typer.Option("--port", min=1, max=65535, help="Port to listen on.")
    ] = 8765,
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; anything but loopback needs --token.")
    ] = "127.0.0.1",
    token: Annotated[
        str | None,
        typer.Option(
            "--token", envvar="FEATURELINE_UI_TOKEN", help="Access token the browser must present."
        ),
    ] = None,
    store: Annotated[
        str | None,
        typer.Option(
            "--store", help="Store URL (overrides the global --store / FEATURELINE_STORE)."
        ),
    ] = None,
) -> None:
    """Serve a web app to follow runs live, read their artifacts and decide at their gates."""
    import uvicorn

    from featureline.ui import UiSettings, create_app

    state: CliState = ctx.obj
    settings = UiSettings(
        store_url=resolve_store_url(store or state.store), host=host, port=port, token=token
    )
    shown = f"[{host}]" if ":" in host else host
    link = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    typer.echo(f"featureline ui: serving {settings.store_url} at {link} (Ctrl-C stops)")
    app = create_app(settings)

    class _Server(uvicorn.Server):
        """Tells the app's live streams to end on Ctrl-C; they never end by themselves."""

        def handle_exit(self, sig: int, frame: Any) -> None:
            app.state.stopping.set()
            super().handle_exit(sig, frame)

    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", timeout_graceful_shutdown=5
    )
    _Server(config).run()

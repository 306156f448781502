"""`featureline up RUN`: serve a run's approved service on 127.0.0.1 with demo users.

How a person tries what was generated, and how anyone re-runs the probes by hand: the
service runs in the sandbox (socket guard, so this machine can reach its port), its users
script creates two ordinary users and one per role the endpoints name, and the command
prints the base URL, the spec URL and each user's token, then serves until Ctrl-C. The
whole process group goes when the command ends.
"""

from __future__ import annotations

import json
import signal
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated, Any

import typer

from featureline.api import Workspace
from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact, RequirementsArtifact
from featureline.cli.context import CliState
from featureline.errors import UserInputError
from featureline.providers import make_specialist
from featureline.sandbox import Sandbox, SandboxLimits
from featureline.verification.base import free_port, service_files
from featureline.verification.service import (
    DemoUser,
    ServiceError,
    create_users,
    demo_roles,
    started_service,
)

SERVE_LIMITS = SandboxLimits(wall_seconds=7 * 24 * 3600)


def register(app: typer.Typer) -> None:
    app.command("up")(up_cmd)


def _approved(run_id: str, store: str | None) -> dict[str, Any]:
    """The run's approved artifacts; UserInputError without an approved implementation."""
    with Workspace(make_specialist("builtin"), store=store) as workspace:
        view = workspace.status(run_id)
        approved = {
            step.kind: artifact
            for step in view.steps
            if step.approved is not None and (artifact := step.artifact()) is not None
        }
    if not isinstance(approved.get("implementation"), ImplementationArtifact):
        raise UserInputError(
            f"run {run_id!r} has no approved implementation to serve "
            f"(see `featureline status {run_id}`)"
        )
    return approved


def _check_port(port: int) -> int:
    if port == 0:
        return free_port()
    if not 1 <= port <= 65535:
        raise UserInputError(f"--port must be between 1 and 65535, not {port}")
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UserInputError(f"port {port} on 127.0.0.1 is not free: {exc.strerror}") from None
    return port


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM ends `up` like Ctrl-C does: through the cleanup that stops the service."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def up_cmd(
    ctx: typer.Context,
    run_id: Annotated[str, typer.Argument(help="The run whose approved service to start.")],
    port: Annotated[
        int, typer.Option(help="Port on 127.0.0.1 (0: any free port).", show_default=True)
    ] = 0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON line (URLs, users, tokens) first.")
    ] = False,
) -> None:
    """Start a run's generated service on 127.0.0.1 with demo users; serve until Ctrl-C."""
    state: CliState = ctx.obj
    approved = _approved(run_id, state.store)
    implementation: ImplementationArtifact = approved["implementation"]
    api = approved.get("api_spec")
    requirements = approved.get("requirements")
    api = api if isinstance(api, ApiSpecArtifact) else None
    requirements = requirements if isinstance(requirements, RequirementsArtifact) else None
    chosen = _check_port(port)
    with _sigterm_as_interrupt(), Sandbox(network="guard") as sandbox:
        workdir = sandbox.workspace("up")
        sandbox.write_files(workdir, service_files(implementation))
        try:
            with started_service(sandbox, implementation, workdir, chosen, SERVE_LIMITS) as service:
                users: list[DemoUser] = []
                problem = ""
                try:
                    users = create_users(service, implementation, demo_roles(api, requirements))
                except ServiceError as exc:
                    problem = str(exc)
                _announce(service.base_url, users, problem, as_json)
                try:
                    while service.server.running():
                        time.sleep(0.2)
                except KeyboardInterrupt:
                    typer.echo("stopping the service", err=True)
                    return
                final = service.server.stop()
                raise ServiceError(f"the service stopped on its own: {final.output_tail(3)}")
        except KeyboardInterrupt:
            typer.echo("stopped before the service was ready", err=True)


def _announce(base_url: str, users: list[DemoUser], problem: str, as_json: bool) -> None:
    spec_url = f"{base_url}/openapi.json"
    if as_json:
        payload = {
            "base_url": base_url,
            "spec_url": spec_url,
            "users": [{"role": u.role, "id": u.id, "token": u.token} for u in users],
        }
        if problem:
            payload["error"] = problem
        typer.echo(json.dumps(payload))
    typer.echo(f"serving {base_url}  (spec: {spec_url})")
    for user in users:
        typer.echo(f"  {user.role:<12} id {user.id:<6} token {user.token}")
    if problem:
        typer.echo(f"no demo users: {problem}", err=True)
    typer.echo("press Ctrl-C to stop")

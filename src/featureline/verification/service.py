"""Start a generated service in the sandbox and create its demo users.

Shared by the load run, the conformance fuzzing, the security probes and `featureline up`.
Users come from the implementation's ``users_script`` (contract in
``artifacts/implementation.py``): ``python <path> ROLE [ROLE...]`` prints
``{"users": [{"role", "id", "token"}]}``. The ordinary role is asked for as ``user``: the
service's default, least-privileged role, whatever it calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact, RequirementsArtifact
from featureline.errors import FeaturelineError
from featureline.sandbox import Sandbox, SandboxLimits, SandboxServer
from featureline.verification.base import CLIENT_LIMITS, SERVER_LIMITS, last_json

ORDINARY_ROLE = "user"


class ServiceError(FeaturelineError):
    """The generated service could not be started, or its demo users not created."""


@dataclass(frozen=True)
class DemoUser:
    role: str
    id: str
    token: str


@dataclass
class RunningService:
    server: SandboxServer
    workdir: Path
    port: int

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def server_argv(implementation: ImplementationArtifact, port: int) -> list[str]:
    return [
        "python",
        "-m",
        "uvicorn",
        implementation.entry_point,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]


@contextmanager
def started_service(
    sandbox: Sandbox,
    implementation: ImplementationArtifact,
    workdir: Path,
    port: int,
    limits: SandboxLimits = SERVER_LIMITS,
) -> Iterator[RunningService]:
    """The service running on 127.0.0.1:``port`` in the sandbox (its files already written
    to ``workdir``); stopped, with its whole process group, on exit."""
    try:
        server = sandbox.start(server_argv(implementation, port), workdir, limits=limits)
    except FeaturelineError as exc:
        raise ServiceError(f"the service did not start: {exc}") from exc
    with server:
        try:
            server.wait_for_port(port, timeout=30)
        except FeaturelineError as exc:
            raise ServiceError(f"the service did not start: {exc}") from exc
        yield RunningService(server, workdir, port)


def demo_roles(api: ApiSpecArtifact | None, requirements: RequirementsArtifact | None) -> list[str]:
    """Two ordinary users, then one per role an endpoint or a role rule names."""
    roles: list[str] = []
    for endpoint in api.endpoints if api is not None else []:
        roles += endpoint.roles
    for rule in requirements.rules if requirements is not None else []:
        if rule.kind == "role_required":
            roles += rule.roles
    privileged = [r for r in dict.fromkeys(roles) if r != ORDINARY_ROLE]
    return [ORDINARY_ROLE, ORDINARY_ROLE, *privileged]


def create_users(
    service: RunningService, implementation: ImplementationArtifact, roles: list[str]
) -> list[DemoUser]:
    """Run the users script against the running service; ServiceError when it is missing,
    fails, or prints something other than one user per role asked for."""
    script = implementation.users_script
    if script is None:
        raise ServiceError(
            "the implementation has no users_script, so no user can sign in: "
            "the probes and fuzzing that need users cannot run"
        )
    result = service.server.run(
        ["python", script.path, *roles], service.workdir, limits=CLIENT_LIMITS
    )
    if not result.ok:
        raise ServiceError(f"the users script failed: {result.output_tail(2)}")
    return parse_users(result.stdout, roles)


def parse_users(stdout: str, roles: list[str]) -> list[DemoUser]:
    """The users a users script printed, checked against the roles asked for."""
    raw: Any = last_json(stdout).get("users")
    if not isinstance(raw, list) or len(raw) != len(roles):
        raise ServiceError(
            f'the users script must print {{"users": [...]}} with {len(roles)} user(s); '
            f"it printed: {stdout.strip()[-200:]!r}"
        )
    users: list[DemoUser] = []
    for asked, entry in zip(roles, raw, strict=True):
        if not isinstance(entry, dict) or not isinstance(entry.get("token"), str):
            raise ServiceError(f"the users script printed a user without a token: {entry!r}")
        role = str(entry.get("role") or asked)
        users.append(DemoUser(role=role, id=str(entry.get("id", "")), token=entry["token"]))
    if len({u.token for u in users}) != len(users):
        raise ServiceError("the users script gave two users the same token")
    return users


def auth_header(
    api: ApiSpecArtifact | None, openapi: dict[str, Any] | None = None
) -> dict[str, str]:
    """The header a token is sent in, as a template with ``{token}``: the spec's security
    scheme when it names one (API key header or HTTP bearer), else a bearer token."""
    document = openapi if openapi is not None else (api.openapi if api is not None else {})
    schemes = document.get("components", {}).get("securitySchemes", {})
    for scheme in schemes.values() if isinstance(schemes, dict) else []:
        if not isinstance(scheme, dict):
            continue
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and scheme.get("name"):
            return {str(scheme["name"]): "{token}"}
        if scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "basic":
            continue
    return {"Authorization": "Bearer {token}"}


def headers_for(template: dict[str, str], token: str) -> dict[str, str]:
    return {name: value.replace("{token}", token) for name, value in template.items()}

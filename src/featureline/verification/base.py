"""What every sandbox verification shares: its result type, limits and small helpers."""

from __future__ import annotations

import json
import socket
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from featureline.artifacts import ImplementationArtifact
from featureline.artifacts.implementation import SourceFile
from featureline.checks.base import Finding
from featureline.sandbox import SandboxLimits

IMPORT_LIMITS = SandboxLimits(wall_seconds=60)
TEST_LIMITS = SandboxLimits(wall_seconds=240, max_output_bytes=128 * 1024)
LOAD_LIMITS = SandboxLimits(wall_seconds=120)
SERVER_LIMITS = SandboxLimits(wall_seconds=180)
CLIENT_LIMITS = SandboxLimits(wall_seconds=90, max_output_bytes=512 * 1024)

# The package (inside a workspace) holding featureline's own sandbox-side helpers; written
# after the generated files, so a generated file of the same name never replaces them.
HELPERS_DIR = "_featureline_verify"


@dataclass
class Verification:
    """Findings plus *evidence*: what featureline measured itself, stored beside (never
    inside) the producer's artifact."""

    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    def extend(self, other: Verification) -> None:
        self.findings += other.findings
        self.evidence.update(other.evidence)


def service_files(implementation: ImplementationArtifact, *extra: SourceFile) -> dict[str, str]:
    """The generated service's file tree (users script included), plus ``extra`` files."""
    files = {f.path: f.content for f in implementation.files}
    if implementation.users_script is not None:
        files[implementation.users_script.path] = implementation.users_script.content
    for source in extra:
        files[source.path] = source.content
    return files


def helper_script(name: str) -> str:
    """The text of one of featureline's sandbox-side scripts (``verification/sandboxed``)."""
    return resources.files("featureline.verification.sandboxed").joinpath(name).read_text("utf-8")


def free_port() -> int:
    """A port the OS says is free now (racy by nature; a clash shows as a start failure)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def last_json(text: str) -> dict[str, Any]:
    """The last line of ``text`` that is a JSON object, or {}."""
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` that is a JSON object, in order."""
    rows: list[dict[str, Any]] = []
    for line in text.splitlines():
        if not line.strip().startswith("{"):
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            rows.append(value)
    return rows


def find_upstream(upstream: dict[str, Any], model: type[Any]) -> Any | None:
    """The approved upstream artifact of a model type, if any."""
    return next((a for a in upstream.values() if isinstance(a, model)), None)

"""Step 5: implementation — a file tree the user can export and run."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from featureline.artifacts.base import Artifact, Part


class SourceFile(Part):
    path: str = Field(description="relative POSIX path inside the project")
    content: str
    purpose: str
    language: str = "python"


class Dependency(Part):
    name: str
    version: str = Field(description="a version specifier, e.g. '>=0.115,<1'")
    purpose: str


class ConfigVar(Part):
    name: str
    description: str
    default: str | None = None
    secret: bool = False


class ImplementationArtifact(Artifact):
    step: ClassVar[str] = "implementation"

    language: str = "python"
    framework: str
    files: list[SourceFile]
    dependencies: list[Dependency]
    entry_point: str = Field(description="e.g. 'app.main:app'")
    run_command: str
    configuration: list[ConfigVar]
    security_measures: list[str]
    users_script: SourceFile | None = Field(
        default=None,
        description="creates demo users: `python <path> ROLE [ROLE...]`, run from the service "
        "root with the server's environment after it started, creates one user per argument "
        'and prints one JSON line {"users": [{"role": ..., "id": ..., "token": ...}]}; '
        "the token is sent as the API spec's auth scheme says. Probes and `featureline up` use it.",
    )

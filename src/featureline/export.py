"""Write a run's artifacts to disk: numbered markdown per step, the SQL, the OpenAPI
document, and the generated service tree — never outside the target directory."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from featureline.artifacts import (
    ApiSpecArtifact,
    Artifact,
    ImplementationArtifact,
    PerformanceArtifact,
    SchemaArtifact,
    TestingArtifact,
)
from featureline.errors import UnsafePathError, UserInputError
from featureline.render import render_markdown
from featureline.safepaths import path_problem, safe_join
from featureline.views import RunView

SERVICE_DIR = "service"


@dataclass(frozen=True)
class ExportedFile:
    path: str
    content: str


def plan_export(view: RunView) -> list[ExportedFile]:
    """Decide every file to write (pure); unsafe paths are refused before any write."""
    files: list[ExportedFile] = []
    for number, step in enumerate(view.steps, start=1):
        artifact = step.artifact()
        if artifact is None:
            continue
        prefix = f"{number:02d}-{step.id}"
        files.append(ExportedFile(f"{prefix}.md", render_markdown(artifact)))
        files.append(
            ExportedFile(
                f"artifacts/{prefix}.json",
                json.dumps(artifact.model_dump(mode="json"), indent=2) + "\n",
            )
        )
        files.extend(_extra_files(prefix, artifact))
    for file in files:
        problem = path_problem(file.path)
        if problem:
            raise UnsafePathError(file.path, problem)
    seen: set[str] = set()
    unique: list[ExportedFile] = []
    for file in files:  # a later step's file of the same path wins (e.g. tests over stubs)
        if file.path in seen:
            unique = [f for f in unique if f.path != file.path]
        seen.add(file.path)
        unique.append(file)
    return unique


def _extra_files(prefix: str, artifact: Artifact) -> list[ExportedFile]:
    if isinstance(artifact, SchemaArtifact):
        out = [
            ExportedFile(f"{prefix}.{d.dialect}.sql", d.sql.rstrip() + "\n") for d in artifact.ddl
        ]
        for m in artifact.migrations:
            out.append(ExportedFile(f"migrations/{m.dialect}/{m.id}.up.sql", m.up.rstrip() + "\n"))
            out.append(
                ExportedFile(f"migrations/{m.dialect}/{m.id}.down.sql", m.down.rstrip() + "\n")
            )
        if artifact.ddl:
            main = artifact.ddl_for("postgresql") or artifact.ddl[0].sql
            out.append(ExportedFile(f"{prefix.split('-')[0]}-schema.sql", main.rstrip() + "\n"))
        return out
    if isinstance(artifact, ApiSpecArtifact):
        document = yaml.safe_dump(artifact.openapi, sort_keys=False, allow_unicode=True)
        return [ExportedFile(f"{prefix.split('-')[0]}-openapi.yaml", document)]
    if isinstance(artifact, ImplementationArtifact):
        return [_service_file(f.path, f.content) for f in artifact.files]
    if isinstance(artifact, TestingArtifact):
        return [_service_file(f.path, f.content) for f in artifact.test_files]
    if isinstance(artifact, PerformanceArtifact):
        scripts = [artifact.load_test_script]
        scripts += [artifact.seed_script] if artifact.seed_script is not None else []
        return [_service_file(script.path, script.content) for script in scripts]
    return []


def _service_file(path: str, content: str) -> ExportedFile:
    problem = path_problem(path)
    if problem:
        raise UnsafePathError(path, problem)
    return ExportedFile(f"{SERVICE_DIR}/{path}", content)


def export_run(view: RunView, directory: Path) -> list[Path]:
    """Write the planned files under ``directory``; returns the paths written."""
    planned = plan_export(view)
    if directory.exists() and not directory.is_dir():
        raise UserInputError(f"export target {directory} exists and is not a directory")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        targets = [(safe_join(directory, f.path), f) for f in planned]  # all checked first
        written: list[Path] = []
        for target, file in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                raise UnsafePathError(file.path, "target is a symlink")
            target.write_text(file.content, encoding="utf-8")
            written.append(target)
    except OSError as exc:
        raise UserInputError(
            f"cannot write the export to {directory}: {exc.strerror or exc}"
        ) from exc
    return written

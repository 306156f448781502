"""Write a run's artifacts to disk: numbered markdown per step, the SQL, the OpenAPI
document, and the generated service tree — never outside the target directory, never
through a symlink, and never over files an earlier export did not write.

Every export leaves a manifest (``.featureline-export.json``: the files it wrote and
their hashes). A directory that is not empty is refused unless ``force``; then only the
files the earlier export's manifest lists are replaced or removed, so stale generated
files cannot linger and break the exported tests, and the user's own files stay.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

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
MANIFEST = ".featureline-export.json"


@dataclass(frozen=True)
class ExportedFile:
    path: str
    content: str


def plan_export(view: RunView) -> list[ExportedFile]:
    """Decide every file to write (pure); unsafe paths are refused before any write."""
    files: list[ExportedFile] = []
    for number, step in enumerate(view.steps, start=1):
        artifact = step.artifact()
        if artifact is not None:
            files.extend(step_files(number, step.id, artifact))
    return _checked(files)


def step_files(number: int, step_id: str, artifact: Artifact) -> list[ExportedFile]:
    """The files one step's artifact exports as (``number`` is its place in the run)."""
    prefix = f"{number:02d}-{step_id}"
    files = [
        ExportedFile(f"{prefix}.md", render_markdown(artifact)),
        ExportedFile(
            f"artifacts/{prefix}.json",
            json.dumps(artifact.model_dump(mode="json"), indent=2) + "\n",
        ),
    ]
    return files + _extra_files(prefix, artifact)


def _checked(files: list[ExportedFile]) -> list[ExportedFile]:
    """Unsafe paths refused; of two files with one path, the later step's wins."""
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


def export_run(view: RunView, directory: Path, *, force: bool = False) -> list[Path]:
    """Write the planned files under ``directory``; returns the paths written. Everything
    is checked before the first write: a refusal leaves the directory as it was."""
    planned = plan_export(view)
    if directory.is_symlink():
        raise UnsafePathError(str(directory), "the export directory is a symlink")
    if directory.exists() and not directory.is_dir():
        raise UserInputError(f"export target {directory} exists and is not a directory")
    try:
        previous = _previous_export(directory, force)
        for file in planned:
            _refuse_symlinks(directory, file.path)
            target = directory / file.path
            if os.path.lexists(target) and file.path not in previous:
                raise UserInputError(
                    f"export target {directory} already has {file.path}, which no earlier "
                    "export wrote: move it away or export elsewhere"
                )
        for old in previous:
            _refuse_symlinks(directory, old)
        for old in previous:  # what the earlier export wrote and this one does not
            if old not in {f.path for f in planned}:
                _remove_with_empty_parents(directory, old)
        directory.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        for file in planned:
            written.append(_write(directory, file.path, file.content))
        _write(directory, MANIFEST, _manifest(view, planned))
    except OSError as exc:
        raise UserInputError(
            f"cannot write the export to {directory}: {exc.strerror or exc}"
        ) from exc
    return written


def check_export_target(directory: Path) -> None:
    """Refuse, before a run starts, an ``--export`` target a plain export would refuse."""
    if directory.is_symlink():
        raise UnsafePathError(str(directory), "the export directory is a symlink")
    if directory.exists() and not directory.is_dir():
        raise UserInputError(f"export target {directory} exists and is not a directory")
    if directory.exists() and any(directory.iterdir()):
        raise UserInputError(
            f"export target {directory} is not empty: choose an empty directory, or run "
            "without --export and then `featureline export RUN DIR --force`"
        )


def _previous_export(directory: Path, force: bool) -> set[str]:
    """The files an earlier export into ``directory`` wrote (per its manifest); refuses a
    directory that is not empty unless ``force``."""
    if not directory.exists() or not any(directory.iterdir()):
        return set()
    if not force:
        raise UserInputError(
            f"export target {directory} is not empty: use --force to replace what an "
            "earlier export wrote there (other files are kept)"
        )
    manifest = directory / MANIFEST
    if manifest.is_symlink():
        raise UnsafePathError(MANIFEST, "the export manifest is a symlink")
    if not manifest.exists():
        return set()
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
        files = data["files"]
        paths = set(files) if isinstance(files, dict) else set()
    except (ValueError, KeyError, TypeError) as exc:
        raise UserInputError(f"export manifest {manifest} is damaged: {exc}") from exc
    for path in paths:
        problem = path_problem(path)
        if problem:
            raise UnsafePathError(path, f"listed in {MANIFEST}: {problem}")
    return paths


def _refuse_symlinks(directory: Path, relative: str) -> None:
    """No component of ``relative`` under ``directory`` may be a symlink (rule: an export
    never writes through one, wherever it points)."""
    safe_join(directory, relative)
    current = directory
    for part in PurePosixPath(relative).parts:
        current = current / part
        if current.is_symlink():
            raise UnsafePathError(relative, f"{current} is a symlink")
        if not current.exists():
            return


def _write(directory: Path, relative: str, content: str) -> Path:
    target = directory / relative
    parent = directory
    for part in PurePosixPath(relative).parts[:-1]:
        parent = parent / part
        parent.mkdir(exist_ok=True)
        if parent.is_symlink():
            raise UnsafePathError(relative, f"{parent} is a symlink")
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content)
    return target


def _remove_with_empty_parents(directory: Path, relative: str) -> None:
    target = directory / relative
    if target.is_file() and not target.is_symlink():
        target.unlink()
    parent = target.parent
    while parent != directory and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent


def _manifest(view: RunView, files: list[ExportedFile]) -> str:
    data: dict[str, Any] = {
        "run_id": view.info.run_id,
        "exported_at": datetime.now(UTC).isoformat(),
        "files": {
            f.path: "sha256:" + hashlib.sha256(f.content.encode("utf-8")).hexdigest() for f in files
        },
    }
    return json.dumps(data, indent=2, sort_keys=True) + "\n"

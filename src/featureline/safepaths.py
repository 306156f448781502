"""Path safety for generated files: relative, inside the target, no tricks."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from featureline.errors import UnsafePathError


def path_problem(path: str) -> str | None:
    """Why a generated relative path is unsafe, or None when it is fine."""
    if not path or not path.strip():
        return "empty path"
    if "\x00" in path:
        return "path contains a NUL byte"
    if "\\" in path:
        return "path uses backslashes; use POSIX '/' separators"
    pure = PurePosixPath(path)
    if pure.is_absolute() or path.startswith("~") or (len(path) > 1 and path[1] == ":"):
        return "absolute paths are not allowed"
    if any(part == ".." for part in pure.parts):
        return "'..' would escape the project directory"
    if pure.parts and pure.parts[0] == ".git":
        return "writing into .git is not allowed"
    return None


def safe_join(root: Path, relative: str) -> Path:
    """Join ``relative`` under ``root``, refusing anything that would land outside it,
    including through a symlink already present on disk."""
    problem = path_problem(relative)
    if problem:
        raise UnsafePathError(relative, problem)
    root_resolved = root.resolve()
    target = (root / relative).resolve()
    if not target.is_relative_to(root_resolved):
        raise UnsafePathError(relative, f"resolves outside {root} (through a symlink?)")
    return target

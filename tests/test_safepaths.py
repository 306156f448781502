from __future__ import annotations

import os
from pathlib import Path

import pytest

from featureline.errors import UnsafePathError
from featureline.safepaths import path_problem, safe_join


@pytest.mark.parametrize(
    "path",
    [
        "/etc/passwd",
        "../outside.py",
        "app/../../x",
        "~/x",
        "C:/x",
        "app\\x.py",
        "",
        ".git/hooks/pre-commit",
        "a\x00b",
    ],
)
def test_hostile_paths_are_refused(path: str) -> None:
    assert path_problem(path) is not None


@pytest.mark.parametrize("path", ["app/main.py", "tests/test_api.py", "README.md", "a/b/c/d.txt"])
def test_ordinary_paths_pass(path: str) -> None:
    assert path_problem(path) is None


def test_symlink_escape_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, root / "link")
    with pytest.raises(UnsafePathError, match="outside"):
        safe_join(root, "link/file.py")
    assert safe_join(root, "app/main.py") == (root / "app" / "main.py").resolve()

"""`export` into a directory that is not empty: refused unless --force, which replaces
only what an earlier export wrote (its manifest); never through a symlink."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from featureline import Pipeline
from featureline.errors import UnsafePathError, UserInputError
from featureline.export import MANIFEST
from tests.clihelpers import invoke
from tests.conftest import REQUESTS
from tests.runstates import BOOKMARKS


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """(store, a bookmarks run, a url-shortener run): different service trees."""
    store = str(tmp_path_factory.mktemp("export") / "runs.sqlite")
    pipeline = Pipeline.load(provider="builtin", store=store, verify=False)
    first = pipeline.run(BOOKMARKS).info.run_id
    second = pipeline.run(str(REQUESTS / "url-shortener.md")).info.run_id
    return store, first, second


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_second_export_needs_force_and_replaces_only_its_own_files(
    runs: tuple[str, str, str], tmp_path: Path
) -> None:
    store, first, second = runs
    out = tmp_path / "out"
    code, output = invoke("--store", store, "export", first, str(out))
    assert code == 0, output
    manifest = json.loads((out / MANIFEST).read_text())
    assert manifest["run_id"] == first
    assert set(manifest["files"]) | {MANIFEST} == _files(out)
    (out / "NOTES.md").write_text("my own notes\n")
    (out / "service" / "local.env").write_text("MINE=1\n")
    before = _files(out)

    code, output = invoke("--store", store, "export", second, str(out))
    assert code == 2 and "not empty" in output and "--force" in output, output
    assert _files(out) == before  # refused before any write

    code, output = invoke("--store", store, "export", second, str(out), "--force")
    assert code == 0, output
    fresh = json.loads((out / MANIFEST).read_text())
    assert fresh["run_id"] == second
    # every stale file of the first export is gone; the user's files stay
    assert _files(out) == set(fresh["files"]) | {MANIFEST, "NOTES.md", "service/local.env"}
    assert (out / "NOTES.md").read_text() == "my own notes\n"
    stale = set(manifest["files"]) - set(fresh["files"])
    assert stale and not any((out / p).exists() for p in stale)


def test_force_never_overwrites_a_file_no_export_wrote(
    runs: tuple[str, str, str], tmp_path: Path
) -> None:
    store, first, _ = runs
    out = tmp_path / "out"
    out.mkdir()
    (out / "01-requirements.md").write_text("hand written\n")
    workspace = Pipeline.load(provider="builtin", store=store, verify=False)
    with pytest.raises(UserInputError, match="no earlier export wrote"):
        workspace.export(first, out, force=True)
    assert (out / "01-requirements.md").read_text() == "hand written\n"
    assert _files(out) == {"01-requirements.md"}


def test_export_never_writes_through_a_symlink(runs: tuple[str, str, str], tmp_path: Path) -> None:
    store, first, _ = runs
    workspace = Pipeline.load(provider="builtin", store=store, verify=False)
    outside = tmp_path / "outside"
    outside.mkdir()

    out = tmp_path / "out"
    workspace.export(first, out)
    # a directory of the tree replaced by a symlink pointing elsewhere
    target = out / "service"
    moved = tmp_path / "moved-service"
    target.rename(moved)
    os.symlink(outside, target)
    with pytest.raises(UnsafePathError, match="symlink"):
        workspace.export(first, out, force=True)
    assert list(outside.iterdir()) == []

    # a file of the tree replaced by a symlink
    os.unlink(target)
    moved.rename(target)
    secret = outside / "secret.txt"
    secret.write_text("keep\n")
    (out / "01-requirements.md").unlink()
    os.symlink(secret, out / "01-requirements.md")
    with pytest.raises(UnsafePathError, match="symlink"):
        workspace.export(first, out, force=True)
    assert secret.read_text() == "keep\n"

    # the manifest, and the export directory itself
    (out / "01-requirements.md").unlink()
    (out / MANIFEST).unlink()
    os.symlink(secret, out / MANIFEST)
    with pytest.raises(UnsafePathError, match="manifest is a symlink"):
        workspace.export(first, out, force=True)
    link = tmp_path / "link"
    os.symlink(outside, link)
    with pytest.raises(UnsafePathError, match="is a symlink"):
        workspace.export(first, link)
    assert secret.read_text() == "keep\n"


def test_run_with_export_refuses_a_non_empty_target_before_running(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    code, output = invoke("run", BOOKMARKS, "--no-verify", "--export", str(out))
    assert code == 2 and "not empty" in output, output
    code, output = invoke("runs")
    assert "no runs yet" in output  # refused before a run was created
    code, output = invoke("run", BOOKMARKS, "--no-verify", "--export", str(out), "--force")
    assert code == 0, output
    assert (out / "keep.txt").read_text() == "x" and (out / MANIFEST).exists()


def test_a_manifest_naming_paths_outside_the_export_is_refused(
    runs: tuple[str, str, str], tmp_path: Path
) -> None:
    store, first, _ = runs
    workspace = Pipeline.load(provider="builtin", store=store, verify=False)
    out = tmp_path / "out"
    workspace.export(first, out)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep\n")
    manifest = json.loads((out / MANIFEST).read_text())
    manifest["files"]["../victim.txt"] = "sha256:0"
    (out / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(UnsafePathError, match="escape"):
        workspace.export(first, out, force=True)
    assert victim.read_text() == "keep\n"
    (out / MANIFEST).write_text("{not json")
    with pytest.raises(UserInputError, match=r"manifest .* is damaged"):
        workspace.export(first, out, force=True)


def test_an_export_to_a_relative_directory_lists_its_files(
    runs: tuple[str, str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`featureline export RUN out` from the user's own directory: the listing of written
    files once failed with "not in the subpath" after writing them."""
    store, first, _ = runs
    monkeypatch.chdir(tmp_path)
    code, output = invoke("--store", store, "export", first, "out")
    assert code == 0, output
    assert "exported " in output and "  01-requirements.md" in output
    assert (tmp_path / "out" / "01-requirements.md").is_file()

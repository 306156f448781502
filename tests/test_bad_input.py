"""Bad input gets one line and exit 2: YAML bombs, paths that are not request files, the
one request size limit, broken stores; and request text prints literally."""

from __future__ import annotations

import ctypes
import io
import os
import sqlite3
import time
from pathlib import Path

import pytest
from rich.text import Text

from featureline.agents import parse_agent
from featureline.api import Pipeline
from featureline.cli.safe import SafeConsole, line, styled
from featureline.errors import AgentFileError, InvalidRequestError, PipelineFileError, StoreError
from featureline.pipeline import load_pipeline
from featureline.request import MAX_REQUEST_BYTES, FeatureRequest, parse_request, read_request
from featureline.safeyaml import MAX_YAML_NODES, YamlLimitError, load_yaml
from featureline.store import open_store
from featureline.textsafe import printable
from tests.clihelpers import invoke, run_id_from
from tests.conftest import REQUESTS

LAUGHS = "lol0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"lol{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 9)}]\n" for n in range(1, 9)
)


def _one_line_exit_2(code: int, output: str) -> str:
    assert code == 2, output
    lines = [x for x in output.splitlines() if x.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


# -- YAML ------------------------------------------------------------------------------


def test_billion_laughs_in_front_matter_is_refused_fast(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.md"
    bomb.write_text(f"---\n{LAUGHS}---\nUsers can save bookmarks with tags.\n")
    assert bomb.stat().st_size < 1000
    started = time.monotonic()
    code, output = invoke("run", str(bomb), "--no-verify")
    message = _one_line_exit_2(code, output)
    assert "front matter refused" in message and "alias" in message
    assert time.monotonic() - started < 30  # it used to grow to gigabytes and hang


def test_yaml_limits(tmp_path: Path) -> None:
    with pytest.raises(YamlLimitError, match="expands to more than"):
        load_yaml(LAUGHS)
    with pytest.raises(YamlLimitError, match="recursive"):
        load_yaml("a: &a [1, *a]")
    with pytest.raises(YamlLimitError, match="bytes"):
        load_yaml("x: " + "y" * 2_000_000)
    with pytest.raises(YamlLimitError, match="aliases"):
        load_yaml("a: &a 1\nb: [" + ", ".join(["*a"] * 2000) + "]")
    # ordinary anchors still work
    assert load_yaml("a: &x {k: 1}\nb: *x") == {"a": {"k": 1}, "b": {"k": 1}}
    big_but_flat = "[" + ", ".join(["1"] * (MAX_YAML_NODES // 2)) + "]"
    assert len(load_yaml(big_but_flat)) == MAX_YAML_NODES // 2


def test_agent_and_pipeline_files_use_the_same_limits(tmp_path: Path) -> None:
    with pytest.raises(AgentFileError, match="alias"):
        parse_agent(f"---\nname: x\ndescription: y\n{LAUGHS}---\nBody.\n", "bomb.md")
    pipeline = tmp_path / "bomb.yaml"
    pipeline.write_text(LAUGHS)
    with pytest.raises(PipelineFileError, match="alias"):
        load_pipeline(pipeline)


# -- request paths and sizes -------------------------------------------------------------


def test_a_directory_or_a_mistyped_name_is_not_a_request(tmp_path: Path) -> None:
    message = _one_line_exit_2(*invoke("run", str(tmp_path), "--no-verify"))
    assert "is a directory" in message
    message = _one_line_exit_2(*invoke("run", "examples/requests/bookmarsk.md", "--no-verify"))
    assert "not found" in message
    message = _one_line_exit_2(*invoke("run", "bookmarks", "--no-verify"))
    assert "not found" in message and "`-` reads standard input" in message
    fifo = tmp_path / "fifo.md"
    os.mkfifo(fifo)
    assert "not a regular file" in _one_line_exit_2(*invoke("run", str(fifo), "--no-verify"))


def test_dash_reads_standard_input() -> None:
    text = "Users can save bookmarks with a URL, a title and tags.\n"
    request = read_request("-", stdin=io.BytesIO(text.encode()))
    assert request.source == "<stdin>" and "bookmarks" in request.text
    with pytest.raises(InvalidRequestError, match="<stdin> is"):
        read_request("-", stdin=io.BytesIO(b"x" * (MAX_REQUEST_BYTES + 10)))


def test_one_size_limit_however_the_request_arrives(tmp_path: Path) -> None:
    big = "Users can save bookmarks. " * (MAX_REQUEST_BYTES // 20)
    limit = f"the limit is {MAX_REQUEST_BYTES}"
    path = tmp_path / "big.md"
    path.write_text(big)
    with pytest.raises(InvalidRequestError, match=limit):
        read_request(str(path))  # a file
    with pytest.raises(InvalidRequestError, match=limit):
        read_request("-", stdin=io.BytesIO(big.encode()))  # standard input
    with pytest.raises(InvalidRequestError, match=limit):
        read_request(big)  # inline text
    with pytest.raises(InvalidRequestError, match=limit):
        parse_request(big)
    pipeline = Pipeline.load(provider="builtin", verify=False, store=str(tmp_path / "s.sqlite"))
    with pytest.raises(InvalidRequestError, match=limit):
        pipeline.run(big)  # the Python API, as text
    with pytest.raises(InvalidRequestError, match=limit):
        pipeline.run(FeatureRequest(title="Big", text=big))  # ... and as a built request
    assert pipeline.runs() == []  # nothing was stored
    message = _one_line_exit_2(*invoke("run", big, "--no-verify"))
    assert limit in message


# -- broken stores -------------------------------------------------------------------------


def _store_with_a_run(tmp_path: Path) -> tuple[Path, str]:
    store = tmp_path / "store.sqlite"
    code, output = invoke(
        "--store", str(store), "run", str(REQUESTS / "bookmarks.md"), "--no-verify"
    )
    assert code == 0, output
    return store, run_id_from(output)


def test_a_corrupted_store_is_one_line_naming_it_without_stored_data(tmp_path: Path) -> None:
    store, run_id = _store_with_a_run(tmp_path)
    page = sqlite3.connect(store).execute("PRAGMA page_size").fetchone()[0]
    data = bytearray(store.read_bytes())
    for offset in range(page * 2, len(data) - page, page * 3):  # leave the header page intact
        data[offset : offset + page] = os.urandom(page)
    store.write_bytes(bytes(data))
    for command in (("status", run_id), ("show", run_id), ("runs",), ("resume", run_id)):
        code, output = invoke("--store", str(store), *command)
        message = _one_line_exit_2(code, output)
        assert str(store) in message, command
        assert "{" not in message and len(message) < 300, message


def test_a_read_only_store_is_one_line_naming_it(tmp_path: Path) -> None:
    store, run_id = _store_with_a_run(tmp_path)
    mount = tmp_path / "ro"
    mount.mkdir()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(str(tmp_path).encode(), str(mount).encode(), None, 4096, None) != 0:  # bind
        pytest.skip("cannot bind-mount here to make a read-only store (needs root)")
    try:
        # remount the bind read-only: MS_REMOUNT | MS_BIND | MS_RDONLY
        if libc.mount(None, str(mount).encode(), None, 32 | 4096 | 1, None) != 0:
            pytest.skip("cannot remount read-only here")
        code, output = invoke("--store", str(mount / store.name), "resume", run_id)
        message = _one_line_exit_2(code, output)
        assert str(mount / store.name) in message and "read-only" in message
    finally:
        libc.umount2(str(mount).encode(), 2)


def test_store_errors_are_store_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b'{"stored": "json that must not leak"}' * 200)
    with pytest.raises(StoreError) as caught, open_store(str(garbage)):
        pass
    assert "must not leak" not in str(caught.value) and str(garbage) in str(caught.value)


# -- printing ------------------------------------------------------------------------------

EVIL = "Tags \x1b[2J\x1b]0;pwned\x07 with [error] markup [/x] and [bold]bold[/bold]"


def test_printable_escapes_every_terminal_control() -> None:
    shown = printable(EVIL + "\u202e\x9b")
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b[2J" in shown and "\\x07" in shown and "\\u202e" in shown and "\\x9b" in shown
    assert printable("line one\n\ttabbed") == "line one\n\ttabbed"


def test_the_console_prints_markup_and_escapes_literally() -> None:
    console = SafeConsole(file=io.StringIO(), width=200)
    console.print(EVIL)
    console.print(line(styled("[red]", "green"), " [/x]"))
    out = console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b" not in out
    assert "[error] markup [/x] and [bold]bold[/bold]" in out
    assert "[red] [/x]" in out
    assert isinstance(styled("x", "red"), Text)


def test_request_text_reaches_the_terminal_as_text(tmp_path: Path) -> None:
    request = tmp_path / "evil.md"
    request.write_text(
        f"# Bookmarks {EVIL}\n\nUsers can save bookmarks with a URL and tags. {EVIL}.\n"
    )
    code, output = invoke("run", str(request), "--no-verify")
    assert code == 0, output
    run_id = run_id_from(output)
    for command in (("status", run_id), ("show", run_id, "requirements"), ("runs",)):
        code, output = invoke(*command)
        assert code == 0, output
        assert "\x1b" not in output and "\x07" not in output, command
        assert "[error]" in output, command
    assert "[/x]" in invoke("show", run_id, "requirements")[1]

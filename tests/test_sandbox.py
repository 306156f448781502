"""The sandbox, proven with real subprocesses running small generated scripts."""

from __future__ import annotations

import json
import os
import socket
import textwrap
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from featureline.errors import RunFailure, UnsafePathError
from featureline.sandbox import (
    GUARD,
    NAMESPACE,
    Sandbox,
    SandboxError,
    SandboxLimits,
    namespace_support,
)
from featureline.sandbox.env import is_secret
from featureline.sandbox.output import truncate

NAMESPACE_OK, NAMESPACE_WHY = namespace_support()
MODES = [
    pytest.param(
        "namespace",
        marks=pytest.mark.skipif(not NAMESPACE_OK, reason=f"no network namespace: {NAMESPACE_WHY}"),
    ),
    "guard",
]
TEST_NET_1 = "192.0.2.1"  # RFC 5737 documentation range: never routable


@pytest.fixture(params=MODES)
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    with Sandbox(tmp_path / "sandbox", network=request.param) as sb:
        yield sb


@pytest.fixture(params=["auto", "none"])
def any_sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Sandbox]:
    """The strongest sandbox here, and the fallback without a filesystem view (what a
    machine without bubblewrap gets): both must keep every guarantee below."""
    with Sandbox(tmp_path / "sandbox", filesystem=request.param) as sb:
        yield sb


def script(sb: Sandbox, workdir: Path, source: str, name: str = "main.py") -> list[str]:
    sb.write_files(workdir, {name: textwrap.dedent(source)})
    return [sb.python, name]


def gone(pid: int, within: float = 2.0) -> bool:
    """No such process (or only a zombie waiting for a reaper that is not ours)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (ProcessLookupError, FileNotFoundError):
            return True
        if state in ("Z", "X"):
            return True
        if within <= 0:
            return False
        time.sleep(0.05)
    return False


def processes_with(marker: str) -> list[int]:
    """Live (non-zombie) processes whose command line contains ``marker``: a pid read
    inside the sandbox means nothing outside its pid namespace, a unique argument does."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline and not gone(int(entry.name), within=0):
            found.append(int(entry.name))
    return found


def unique_sleep() -> str:
    """A sleep duration nobody else uses, to find the process again by its command line."""
    return f"{100 + uuid.uuid4().int % 10**6 / 10**7:.7f}"


def free_host_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- limits -----------------------------------------------------------------------------


def test_infinite_loop_times_out_and_the_whole_group_dies(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/loop/1")
    marker = unique_sleep()
    argv = script(
        any_sandbox,
        work,
        f"""
        import os, subprocess
        subprocess.Popen(["sleep", "{marker}"])
        if os.fork() == 0:  # a grandchild that leaves the process group
            os.setsid()
            os.execvp("sleep", ["sleep", "{marker}"])
        print("started", flush=True)
        while True:
            pass
        """,
    )
    limits = SandboxLimits(wall_seconds=2)
    started = time.monotonic()
    result = any_sandbox.run(argv, work, limits=limits)
    elapsed = time.monotonic() - started
    assert result.stdout.startswith("started"), result.output_tail()
    assert result.timed_out and not result.ok
    assert not result.cpu_exceeded  # the wall clock ran out, and it says so
    assert result.returncode == -9
    assert not result.memory_exceeded
    assert elapsed < limits.wall_seconds * 3, elapsed
    assert "timed out (wall clock)" in result.summary()
    left = processes_with(marker)
    if left:
        assert "cgroup" not in any_sandbox.network_isolation, left
        pytest.fail(f"no cgroups here: a setsid grandchild {left} outlives its command")


def test_unbounded_allocation_hits_the_memory_limit(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/memory/1")
    argv = script(
        any_sandbox,
        work,
        """
        x = []
        while True:
            x.append(bytearray(10**7))
        """,
    )
    limits = SandboxLimits(wall_seconds=60, memory_bytes=256 * 1024 * 1024)
    result = any_sandbox.run(argv, work, limits=limits)
    assert not result.ok and not result.timed_out
    assert result.memory_exceeded
    assert "MemoryError" in result.stderr
    assert result.duration_s < limits.wall_seconds  # stopped by memory, not by the clock


def test_file_size_limit_stops_a_runaway_writer(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/fsize/1")
    argv = script(
        any_sandbox,
        work,
        """
        import signal
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        with open("big.bin", "wb") as f:
            f.write(b"x" * 2_000_000)
        """,
    )
    result = any_sandbox.run(argv, work, limits=SandboxLimits(file_size_bytes=1_000_000))
    assert not result.ok
    assert "File too large" in result.stderr
    assert (work / "big.bin").stat().st_size <= 1_000_000


def test_cpu_limit_counts_cpu_time_not_wall_time(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/cpu/1")
    argv = script(any_sandbox, work, "while True:\n    pass\n")
    limits = SandboxLimits(wall_seconds=120, cpu_seconds=1)
    result = any_sandbox.run(argv, work, limits=limits)
    assert not result.ok and not result.timed_out
    assert result.cpu_exceeded and not result.memory_exceeded
    assert result.returncode in (-24, -9)  # SIGXCPU, or SIGKILL at the hard limit
    assert "CPU time limit" in result.summary()
    # what stopped it is the CPU time it used, measured, not a clock (the cgroup's account
    # misses the launcher's start-up before it joined, hence the margin)
    assert result.cpu_seconds is not None
    assert limits.effective_cpu_seconds * 0.5 <= result.cpu_seconds
    assert result.cpu_seconds <= limits.effective_cpu_seconds + 2
    assert result.duration_s < limits.wall_seconds


def test_sleeping_uses_no_cpu_and_hits_the_wall_clock(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/cpu/2")
    limits = SandboxLimits(wall_seconds=2, cpu_seconds=1)
    result = any_sandbox.run(["sleep", unique_sleep()], work, limits=limits)
    assert result.timed_out and not result.cpu_exceeded
    assert "timed out (wall clock)" in result.summary()


# -- network ----------------------------------------------------------------------------

NETWORK_SCRIPT = f"""
import socket, threading

server = socket.socket()
server.bind(("127.0.0.1", 0))
server.listen(1)

def echo():
    conn, _ = server.accept()
    conn.sendall(conn.recv(100).upper())
    conn.close()

threading.Thread(target=echo, daemon=True).start()
with socket.create_connection(server.getsockname(), timeout=5) as client:
    client.sendall(b"ping")
    print("loopback:", client.recv(100).decode(), flush=True)

try:
    socket.create_connection(("{TEST_NET_1}", 80), timeout=2)
    print("outside: CONNECTED")
except OSError as exc:
    print("outside:", type(exc).__name__, exc)
"""


def test_outside_network_is_refused_and_loopback_works(sandbox: Sandbox) -> None:
    work = sandbox.workspace("run/net/1")
    result = sandbox.run(script(sandbox, work, NETWORK_SCRIPT), work)
    assert result.ok, result.output_tail()
    assert "loopback: PING" in result.stdout
    assert "CONNECTED" not in result.stdout
    if sandbox.network_isolation.startswith(NAMESPACE):
        assert result.network_isolation.startswith("network namespace")
        assert "Network is unreachable" in result.stdout
    else:
        assert result.network_isolation.startswith("socket guard")
        assert "outside: PermissionError featureline sandbox: network access to" in result.stdout
        assert TEST_NET_1 in result.stdout
    assert result.duration_s < SandboxLimits().wall_seconds


def test_without_loopback_even_localhost_is_refused(sandbox: Sandbox) -> None:
    work = sandbox.workspace("run/net/2")
    result = sandbox.run(
        script(sandbox, work, NETWORK_SCRIPT), work, limits=SandboxLimits(allow_loopback=False)
    )
    assert not result.ok
    assert "loopback: PING" not in result.stdout
    assert (
        "PermissionError" in result.stderr
        or "Cannot assign" in result.stderr
        or ("unreachable" in result.stderr)
    )


def test_forcing_the_namespace_when_unavailable_says_why(tmp_path: Path) -> None:
    if NAMESPACE_OK:
        with Sandbox(tmp_path / "sb", network="namespace") as sb:
            assert sb.network_isolation.startswith(NAMESPACE)
        return
    with Sandbox(tmp_path / "sb", network="namespace") as sb, pytest.raises(SandboxError):
        _ = sb.network_isolation


# -- environment ------------------------------------------------------------------------


def test_secrets_never_reach_the_child(
    any_sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test-secret")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp-test-secret")
    work = any_sandbox.workspace("run/env/1")
    argv = script(any_sandbox, work, "import json, os\nprint(json.dumps(dict(os.environ)))\n")
    result = any_sandbox.run(
        argv,
        work,
        env={
            "ANTHROPIC_API_KEY": "sk-test-secret",
            "DB_PASSWORD": "hunter2",
            "AWS_REGION": "eu-west-1",
            "SERVICE_URL": "postgresql://app:hunter2@db/app",
            "GREETING": "hello",
            "HOME": "/root",
        },
    )
    assert result.ok, result.output_tail()
    child_env = json.loads(result.stdout)
    blob = result.stdout
    for leaked in ("sk-test-secret", "ghp-test-secret", "hunter2"):
        assert leaked not in blob
    for name in ("ANTHROPIC_API_KEY", "GITHUB_TOKEN", "DB_PASSWORD", "AWS_REGION"):
        assert name not in child_env
    assert result.dropped_env == ("ANTHROPIC_API_KEY", "AWS_REGION", "DB_PASSWORD", "SERVICE_URL")
    assert child_env["GREETING"] == "hello"
    assert child_env["HOME"] == str(work)  # the caller cannot move HOME out
    assert child_env["TMPDIR"].startswith(str(work))
    assert child_env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert child_env["PYTHONHASHSEED"] == "0"
    assert "/usr/bin" in child_env["PATH"].split(os.pathsep)
    assert "FEATURELINE_STORE" not in child_env  # nothing inherited


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("ANTHROPIC_API_KEY", True),
        ("GITHUB_TOKEN", True),
        ("MY_SECRET", True),
        ("STRIPE_KEY", True),
        ("PGPASSWORD", True),
        ("AWS_DEFAULT_REGION", True),
        ("OPENAI_API_BASE", True),
        ("PATH", False),
        ("LOG_LEVEL", False),
        ("DATABASE_URL", False),
        ("KEYBOARD_LAYOUT", False),
    ],
)
def test_secret_names(name: str, secret: bool) -> None:
    assert is_secret(name) is secret


# -- files ------------------------------------------------------------------------------


def test_writing_outside_the_workdir_is_denied(sandbox: Sandbox) -> None:
    work = sandbox.workspace("run/write/1")
    escape = Path(f"/tmp/featureline-escape-{uuid.uuid4().hex}")
    argv = script(
        sandbox,
        work,
        f"""
        import os, pathlib
        pathlib.Path("inside.txt").write_text("fine")
        os.makedirs("pkg/sub", exist_ok=True)
        with open("pkg/sub/data.txt", "w") as f:
            f.write("fine")
        for attempt in (
            lambda: open("{escape}", "w"),
            lambda: os.open("{escape}", os.O_WRONLY | os.O_CREAT),
            lambda: pathlib.Path("{escape}").write_text("x"),
        ):
            try:
                attempt()
                print("WROTE OUTSIDE")
            except PermissionError as exc:
                print("denied:", exc)
        open("../escape.txt", "w")
        """,
    )
    result = sandbox.run(argv, work)
    assert result.returncode not in (0, None)
    assert "PermissionError: featureline sandbox: writing" in result.stderr
    assert result.stdout.count("denied: featureline sandbox") == 3
    assert "WROTE OUTSIDE" not in result.stdout
    assert not escape.exists()
    assert not (work.parent / "escape.txt").exists()
    assert (work / "inside.txt").read_text() == "fine"
    assert (work / "pkg" / "sub" / "data.txt").read_text() == "fine"


def test_a_symlink_does_not_lead_writes_out(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/write/2")
    outside = any_sandbox.workspace("run/elsewhere")
    argv = script(
        any_sandbox,
        work,
        f"""
        import os
        os.symlink("{outside}", "link")
        open("link/x.txt", "w")
        """,
    )
    result = any_sandbox.run(argv, work)
    assert not result.ok
    assert "PermissionError" in result.stderr
    assert not (outside / "x.txt").exists()


def test_write_files_refuses_escapes(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/files/1")
    for bad in ("../x.py", "/etc/featureline-x.py", "a/../../x.py", ""):
        with pytest.raises(UnsafePathError):
            any_sandbox.write_files(work, {"ok.py": "", bad: "print(1)"})
    assert not (work / "ok.py").exists()  # refused before anything is written
    any_sandbox.write_files(work, {"app/__init__.py": "", "app/main.py": "X = 1\n"})
    assert (work / "app" / "main.py").read_text() == "X = 1\n"


def test_workspace_is_keyed_and_fresh(tmp_path: Path) -> None:
    sb = Sandbox(tmp_path / "root")
    first = sb.workspace("run-1/implementation/2")
    (first / "leftover.txt").write_text("old")
    again = sb.workspace("run-1/implementation/2")
    assert again == first
    assert list(again.iterdir()) == []
    assert again.is_relative_to(tmp_path / "root")
    # another Sandbox on the same root (a resumed process) gets the same directory
    assert Sandbox(tmp_path / "root").workspace("run-1/implementation/2") == first
    for bad in ("../x", "", "/abs", "."):
        with pytest.raises(UnsafePathError):
            sb.workspace(bad)
    sb.close()
    assert first.exists()  # a caller's root is never removed


def test_workdir_must_be_inside_the_root(any_sandbox: Sandbox, tmp_path: Path) -> None:
    with pytest.raises(SandboxError) as caught:
        any_sandbox.run(["true"], tmp_path)
    assert isinstance(caught.value, RunFailure)


def test_own_root_is_removed_on_close() -> None:
    with Sandbox() as sb:
        root = sb.root
        assert root.is_dir()
    assert not root.exists()


# -- output -----------------------------------------------------------------------------


def test_large_output_is_truncated_keeping_head_and_tail(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/output/1")
    argv = script(
        any_sandbox,
        work,
        """
        import sys
        sys.stdout.write("HEAD-MARK" + "x" * 1_000_000 + "TAIL-MARK\\n")
        sys.stderr.write("small\\n")
        """,
    )
    result = any_sandbox.run(argv, work)
    assert result.ok
    total = len("HEAD-MARK") + 1_000_000 + len("TAIL-MARK\n")
    limit = SandboxLimits().max_output_bytes
    assert result.stdout.startswith("HEAD-MARK")
    assert result.stdout.endswith("TAIL-MARK\n")
    assert f"\n… [truncated {total - limit} bytes] …\n" in result.stdout
    assert len(result.stdout) < limit + 100
    assert result.stderr == "small\n"
    assert result.output_tail(1) == "small"


def test_truncate_helper() -> None:
    assert truncate(b"abc", 10) == "abc"
    assert truncate(b"0123456789", 4) == "01\n… [truncated 6 bytes] …\n89"


def test_stdin_and_missing_commands(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/misc/1")
    echoed = any_sandbox.run(
        [any_sandbox.python, "-c", "import sys; print(sys.stdin.read().upper())"],
        work,
        stdin="hello",
    )
    assert echoed.ok and echoed.stdout == "HELLO\n"
    missing = any_sandbox.run(["featureline-no-such-command"], work)
    assert missing.returncode == 127
    assert "command not found" in missing.stderr


# -- long-running servers -----------------------------------------------------------------

CLIENT = """
import sys, urllib.request
url = f"http://127.0.0.1:{sys.argv[1]}/hello.txt"
print(urllib.request.urlopen(url, timeout=5).read().decode())
"""


def test_server_and_client_share_the_sandbox_network(sandbox: Sandbox) -> None:
    work = sandbox.workspace("run/perf/1")
    sandbox.write_files(work, {"hello.txt": "hello from the sandbox"})
    port = free_host_port()
    argv = [sandbox.python, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    with sandbox.start(argv, work, limits=SandboxLimits(wall_seconds=30)) as server:
        server.wait_for_port(port)
        client = server.run([sandbox.python, "-c", CLIENT, str(port)])
        assert client.ok, client.output_tail()
        assert client.stdout.strip() == "hello from the sandbox"
        assert client.network_isolation == server.network_isolation
        if server.network_isolation.startswith(NAMESPACE):
            # a private network: the host sees nothing on that port
            assert not server.reachable_from_host
            with pytest.raises(ConnectionRefusedError):
                socket.create_connection(("127.0.0.1", port), timeout=2)
        else:
            assert server.network_isolation.startswith(GUARD) and server.reachable_from_host
            url = f"http://127.0.0.1:{port}/hello.txt"
            assert urllib.request.urlopen(url, timeout=5).read() == b"hello from the sandbox"
        pid = server.pid
    final = server.stop()  # idempotent: the same result again
    assert not server.running()
    assert gone(pid)
    assert "GET /hello.txt" in final.stderr
    assert not final.timed_out


def test_a_server_that_dies_is_reported(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/perf/2")
    argv = [any_sandbox.python, "-c", "import sys; print('boom', file=sys.stderr); sys.exit(3)"]
    with any_sandbox.start(argv, work) as server, pytest.raises(SandboxError) as caught:
        server.wait_for_port(free_host_port(), timeout=5)
    assert "boom" in str(caught.value)


def test_a_forgotten_server_is_killed_after_its_wall_time(any_sandbox: Sandbox) -> None:
    work = any_sandbox.workspace("run/perf/3")
    server = any_sandbox.start(["sleep", "100"], work, limits=SandboxLimits(wall_seconds=1))
    time.sleep(1.5)
    assert not server.running() or gone(server.pid)
    result = server.stop()
    assert result.timed_out

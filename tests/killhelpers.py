"""Killing a Claude run (SIGKILL) while the local fake Messages API holds its call open."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from featureline.api import Workspace
from featureline.testing import FakeMessagesAPI, Fault
from tests.conftest import REQUESTS


def kill_while_a_call_is_held(api: FakeMessagesAPI, cwd: Path, key: str) -> str:
    """Start a Claude run as its own process (the test's store), SIGKILL it while the fake
    API holds its first Messages call open; returns the run id."""
    api.inject(Fault.slow(600))  # answered only when the fake stops: in flight at the kill
    env = {**os.environ, "ANTHROPIC_BASE_URL": api.base_url, "ANTHROPIC_API_KEY": key}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "featureline",
            "run",
            str(REQUESTS / "bookmarks.md"),
            "--provider",
            "anthropic",
            "--no-verify",
        ],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sent = len(api.requests)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline and process.poll() is None and len(api.requests) == sent:
            time.sleep(0.02)
        assert len(api.requests) > sent, "the run sent no Messages call"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    return Workspace().runs()[0].run_id

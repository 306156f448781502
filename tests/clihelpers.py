"""Helpers to drive the real CLI: in-process through typer's runner, or as a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from featureline.cli.app import app

RUN_ID = re.compile(r"run ([a-z0-9-]+-[0-9a-f]{4,12})\b")


def invoke(*args: str) -> tuple[int, str]:
    """Run the CLI in-process; bugs surface as exceptions, user errors as exit codes."""
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def featureline(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run the CLI as its own process, the way a user does."""
    return subprocess.run(
        [sys.executable, "-m", "featureline", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_id_from(output: str) -> str:
    match = RUN_ID.search(output)
    assert match, f"no run id in output:\n{output}"
    return match.group(1)

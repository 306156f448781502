"""Start-up time of the CLI against the bare interpreter (``python -c pass``).

Targets on the project's machine: ``featureline --help`` <= 0.3 s and ``runs``/``status``
<= 0.5 s. Each command runs as its own process (the way a user runs it) several times;
the median is printed beside the interpreter's own start-up and their ratio. ``status``
of a run waiting at a human gate shows the engine's path (LangGraph reads the interrupt),
which the reading commands take whenever the fast path cannot answer exactly.

    python benchmarks/bench_startup.py [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REQUEST = REPO / "examples" / "requests" / "bookmarks.md"
RUN_ID = re.compile(r"done: run (\S+) ")
WAITING_ID = re.compile(r"waiting for review: run (\S+) ")
TARGETS = {"--help": 0.3, "--version": 0.3, "runs": 0.5, "status": 0.5}


def timed(argv: list[str], cwd: Path, env: dict[str, str], repeat: int) -> tuple[float, float]:
    """Median wall-clock and CPU (user + system) seconds of ``argv`` as a child process;
    CPU time is what the machine's load does not inflate."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    cli = [sys.executable, "-m", "featureline"]
    with tempfile.TemporaryDirectory() as tmp:
        empty, full = Path(tmp) / "empty", Path(tmp) / "full"
        empty.mkdir()
        full.mkdir()
        env = {k: v for k, v in os.environ.items() if k != "FEATURELINE_STORE"}
        env["FEATURELINE_BLOCK_REAL_API"] = "1"
        env.pop("ANTHROPIC_API_KEY", None)
        made = subprocess.run(
            [*cli, "run", str(REQUEST), "--provider", "builtin", "--gates", "auto", "--no-verify"],
            cwd=full,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        run_id = RUN_ID.search(made.stdout).group(1)  # type: ignore[union-attr]
        waiting = subprocess.run(
            [*cli, "run", str(REQUEST), "--provider", "builtin", "--gates", "human", "--no-verify"],
            cwd=full,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        waiting_id = WAITING_ID.search(waiting.stdout).group(1)  # type: ignore[union-attr]
        base, base_cpu = timed([sys.executable, "-c", "pass"], empty, env, repeat)
        cases = [
            ("--help", [*cli, "--help"], empty),
            ("--version", [*cli, "--version"], empty),
            ("runs (empty directory)", [*cli, "runs"], empty),
            ("status (empty directory)", [*cli, "status", "nope"], empty),
            ("runs (two runs)", [*cli, "runs"], full),
            (f"status {run_id}", [*cli, "status", run_id], full),
            (f"show {run_id}", [*cli, "show", run_id], full),
            (f"cost {run_id}", [*cli, "cost", run_id], full),
            (f"(waiting) status {waiting_id}", [*cli, "status", waiting_id], full),
        ]
        print(
            f"median of {repeat} runs each; python -c pass: {base:.3f}s wall, "
            f"{base_cpu:.3f}s CPU; load average {os.getloadavg()[0]:.1f}"
        )
        print(f"{'command':<34} {'wall s':>7} {'x python':>9} {'CPU s':>7} {'target':>7}")
        for label, argv, cwd in cases:
            seconds, cpu = timed(argv, cwd, env, repeat)
            target = TARGETS.get(label.split()[0])
            verdict = "" if target is None else ("ok" if seconds <= target else "MISSES")
            limit = f"{target:.1f}s" if target else ""
            print(
                f"{label:<34} {seconds:>7.3f} {seconds / base:>8.1f}x {cpu:>7.3f} "
                f"{limit:>7} {verdict}"
            )
        leftovers = sorted(p.name for p in empty.iterdir())
        print(f"files created in the empty directory: {leftovers or 'none'}")


if __name__ == "__main__":
    main()

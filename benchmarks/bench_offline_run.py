"""Offline run benchmark: wall time and store size per run, side by side in one process.

Compares, on the sample requests:
  * the parallel pipeline against the sequential one with simulated model latency
    (the parallel stages should save about 3 of 8 step latencies);
  * the SQLite store against LangGraph's in-memory saver (the cost of durable checkpoints);
  * store bytes per run.

    python benchmarks/bench_offline_run.py [--latency 0.2] [--requests N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from featureline import Pipeline
from featureline.providers.builtin import BuiltinSpecialist

REQUESTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "requests").glob("*.md"))


def timed_run(graph: str, store: str, latency: float, request: Path) -> float:
    pipeline = Pipeline.load(graph, provider=BuiltinSpecialist(delay_s=latency), store=store)
    start = time.perf_counter()
    view = pipeline.run(str(request))
    elapsed = time.perf_counter() - start
    if view.status != "done":
        sys.exit(f"run of {request.name} ended {view.status}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.2, help="simulated seconds per step")
    parser.add_argument("--requests", type=int, default=len(REQUESTS))
    args = parser.parse_args()
    requests = REQUESTS[: args.requests]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        rows = []
        for request in requests:
            store = tmp_path / f"{request.stem}.sqlite"
            before = store.stat().st_size if store.exists() else 0
            sqlite_s = timed_run("backend-feature", str(store), 0.0, request)
            size = store.stat().st_size - before
            memory_s = timed_run("backend-feature", ":memory:", 0.0, request)
            rows.append((request.stem, sqlite_s, memory_s, size))
        print(f"{'request':<18}{'sqlite s':>10}{'memory s':>10}{'ratio':>8}{'store KiB':>11}")
        for name, sqlite_s, memory_s, size in rows:
            print(
                f"{name:<18}{sqlite_s:>10.3f}{memory_s:>10.3f}"
                f"{sqlite_s / memory_s:>8.2f}{size / 1024:>11.1f}"
            )
        med_sqlite = statistics.median(r[1] for r in rows)
        med_memory = statistics.median(r[2] for r in rows)
        print(
            f"median offline run: sqlite {med_sqlite:.3f}s, in-memory {med_memory:.3f}s, "
            f"ratio {med_sqlite / med_memory:.2f}; median store size "
            f"{statistics.median(r[3] for r in rows) / 1024:.1f} KiB per run"
        )

        request = requests[0]
        parallel = timed_run("backend-feature", str(tmp_path / "p.sqlite"), args.latency, request)
        sequential = timed_run(
            "backend-feature-sequential", str(tmp_path / "s.sqlite"), args.latency, request
        )
        print(
            f"with {args.latency:.2f}s simulated latency per step on {request.stem}: "
            f"parallel {parallel:.2f}s, "
            f"sequential {sequential:.2f}s, ratio {parallel / sequential:.2f} (ideal 5/8 = 0.62)"
        )


if __name__ == "__main__":
    main()

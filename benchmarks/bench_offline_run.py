"""Offline run benchmark: one full run per sample request, measured side by side.

For each sample request (examples/requests/*.md) it times, in one process:
  * the full verified run: eight steps with the builtin specialist, checks, and the
    sandbox runs (the app's routes, the generated tests, a seeded load run);
  * the same run without sandbox verification (--no-verify), to show what verifying costs;
and reports the store's growth per run. Then, with simulated model latency, it compares
the parallel pipeline with the strictly sequential one.

    python benchmarks/bench_offline_run.py [--latency 0.3] [--requests N]
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
TARGET_S = 15.0  # issue 8: the full verified run, median per sample on 2 cores


def timed_run(
    graph: str, store: Path, request: Path, *, verify: bool, latency: float = 0.0
) -> float:
    pipeline = Pipeline.load(
        graph, provider=BuiltinSpecialist(delay_s=latency), store=str(store), verify=verify
    )
    start = time.perf_counter()
    view = pipeline.run(str(request))
    elapsed = time.perf_counter() - start
    if view.status != "done":
        sys.exit(f"run of {request.name} ended {view.status}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.3, help="simulated seconds per step")
    parser.add_argument("--requests", type=int, default=len(REQUESTS))
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        print(f"{'request':<17}{'verified s':>11}{'no-verify s':>12}{'ratio':>7}{'store KiB':>11}")
        rows = []
        for request in REQUESTS[: args.requests]:
            store = root / f"{request.stem}.sqlite"
            verified = timed_run("backend-feature", store, request, verify=True)
            size = store.stat().st_size
            unverified = timed_run("backend-feature", root / "plain.sqlite", request, verify=False)
            rows.append((verified, unverified, size))
            flag = "" if verified < TARGET_S else "  over target"
            print(
                f"{request.stem:<17}{verified:>11.2f}{unverified:>12.2f}"
                f"{verified / unverified:>7.1f}{size / 1024:>11.0f}{flag}"
            )
        verified_s = [r[0] for r in rows]
        print(
            f"verified run: median {statistics.median(verified_s):.2f} s, "
            f"max {max(verified_s):.2f} s "
            f"(target < {TARGET_S:.0f} s); without verification: median "
            f"{statistics.median(r[1] for r in rows):.2f} s; store: median "
            f"{statistics.median(r[2] for r in rows) / 1024:.0f} KiB per run"
        )

        request = REQUESTS[0]
        parallel = timed_run(
            "backend-feature", root / "p.sqlite", request, verify=False, latency=args.latency
        )
        sequential = timed_run(
            "backend-feature-sequential",
            root / "s.sqlite",
            request,
            verify=False,
            latency=args.latency,
        )
        print(
            f"with {args.latency:.2f} s simulated latency per step ({request.stem}): parallel "
            f"{parallel:.2f} s, sequential {sequential:.2f} s, ratio {parallel / sequential:.2f} "
            "(ideal 5/8 = 0.62)"
        )


if __name__ == "__main__":
    main()

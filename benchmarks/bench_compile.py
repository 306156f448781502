"""Graph compile benchmark: what building a pipeline's graph costs, fresh vs reused.

The engine asks for a run's graph on every run, resume, review, view and history; the
graph is compiled once per pipeline and process, then bound to the store's saver. This
prints a fresh compile beside the cached, re-bound graph (and the compiles a run asks for).

    python benchmarks/bench_compile.py [--repeat N]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from langgraph.checkpoint.memory import InMemorySaver

from featureline.graph import build_graph, compiled_graph
from featureline.paths import resolve_pipeline_path
from featureline.pipeline import load_pipeline


def per_call_ms(action: Callable[[], object], repeat: int) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        action()
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    saver = InMemorySaver()
    for name in ("backend-feature", "backend-feature-sequential"):
        spec = load_pipeline(resolve_pipeline_path(name))
        fresh = per_call_ms(lambda spec=spec: build_graph(spec).compile(), args.repeat)  # type: ignore[misc]
        compiled_graph(spec)
        reused = per_call_ms(
            lambda spec=spec: compiled_graph(spec, None, saver),  # type: ignore[misc]
            args.repeat * 10,
        )
        print(
            f"{name:<28} fresh compile {fresh:7.1f} ms   reused + bound {reused:6.2f} ms   "
            f"ratio {fresh / reused:6.0f}x"
        )


if __name__ == "__main__":
    main()

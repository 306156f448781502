"""Builtin generated-service benchmark: generation against verification, per sample request.

For every sample request, sequentially (so timings do not compete):
  * generate: the builtin specialist builds all eight artifacts (no graph, no gates);
  * tests: the generated pytest suite runs in the sandbox;
  * load: uvicorn starts in the sandbox, the seed script runs, then the load test
    (per the PerformanceArtifact contract), and the server stops.
Prints one row per request, the totals and the share of each phase; the issue's target is
under 20 s per request on 2 cores for the whole offline run.

    python benchmarks/bench_builtin_service.py [--requests N] [--port 18500]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from featureline.artifacts import ImplementationArtifact, PerformanceArtifact, TestingArtifact
from featureline.artifacts.performance import LoadResult
from featureline.providers.builtin import build_all
from featureline.request import read_request
from featureline.sandbox import Sandbox
from featureline.sandbox.limits import SandboxLimits

REQUESTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "requests").glob("*.md"))
TARGET_S = 20.0


def bench(sandbox: Sandbox, request: Path, port: int) -> dict[str, object]:
    t0 = time.perf_counter()
    arts = build_all(read_request(str(request)))
    generate = time.perf_counter() - t0
    impl, testing, perf = arts["implementation"], arts["testing"], arts["performance"]
    assert isinstance(impl, ImplementationArtifact) and isinstance(testing, TestingArtifact)
    assert isinstance(perf, PerformanceArtifact) and perf.seed_script is not None
    files = {f.path: f.content for f in impl.files}

    work = sandbox.workspace(f"{request.stem}/tests")
    sandbox.write_files(work, files | {f.path: f.content for f in testing.test_files})
    t1 = time.perf_counter()
    run = sandbox.run(
        ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        work,
        limits=SandboxLimits(wall_seconds=180),
    )
    tests = time.perf_counter() - t1
    if not run.ok:
        sys.exit(f"{request.name}: generated tests failed\n{run.output_tail(30)}")

    service = sandbox.workspace(f"{request.stem}/service")
    sandbox.write_files(
        service,
        files
        | {
            perf.load_test_script.path: perf.load_test_script.content,
            perf.seed_script.path: perf.seed_script.content,
        },
    )
    t2 = time.perf_counter()
    argv = ["python", "-m", "uvicorn", impl.entry_point, "--host", "127.0.0.1", "--port"]
    with sandbox.start([*argv, str(port)], service, limits=SandboxLimits(wall_seconds=180)) as srv:
        srv.wait_for_port(port, timeout=30)
        seed = srv.run(["python", perf.seed_script.path], limits=SandboxLimits(wall_seconds=60))
        if not seed.ok:
            sys.exit(f"{request.name}: seed failed\n{seed.output_tail(20)}")
        env = {k: str(v) for k, v in json.loads(seed.stdout).items()}
        base = f"http://127.0.0.1:{port}"
        load = srv.run(
            perf.load_test_command.replace("{base_url}", base).split(),
            env=env,
            limits=SandboxLimits(wall_seconds=120),
        )
    load_s = time.perf_counter() - t2
    if not load.ok:
        sys.exit(f"{request.name}: load test failed\n{load.output_tail(20)}")
    results = [LoadResult.model_validate_json(x) for x in load.stdout.splitlines() if x.strip()]
    return {
        "name": request.stem,
        "generate": generate,
        "tests": tests,
        "load": load_s,
        "rows": env.get("LOADTEST_ROWS", "?"),
        "p95": max(r.p95_ms for r in results),
        "rps": min(r.throughput_rps for r in results),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=len(REQUESTS))
    parser.add_argument("--port", type=int, default=18500)
    args = parser.parse_args()
    rows = []
    with Sandbox() as sandbox:
        print(f"network isolation: {sandbox.network_isolation}")
        for i, request in enumerate(REQUESTS[: args.requests]):
            rows.append(bench(sandbox, request, args.port + i))
    head = (
        f"{'request':<18}{'generate s':>11}{'tests s':>9}{'load s':>8}{'total s':>9}"
        f"{'rows':>7}{'p95 ms':>8}{'rps':>7}  target"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        total = float(r["generate"]) + float(r["tests"]) + float(r["load"])  # type: ignore[arg-type]
        verdict = "ok" if total < TARGET_S else "SLOW"
        print(
            f"{r['name']:<18}{r['generate']:>11.3f}{r['tests']:>9.2f}{r['load']:>8.2f}"
            f"{total:>9.2f}{r['rows']:>7}{r['p95']:>8.1f}{r['rps']:>7.0f}  {verdict}"
        )
    gen = sum(float(r["generate"]) for r in rows)  # type: ignore[arg-type]
    tst = sum(float(r["tests"]) for r in rows)  # type: ignore[arg-type]
    lod = sum(float(r["load"]) for r in rows)  # type: ignore[arg-type]
    total = gen + tst + lod
    print("-" * len(head))
    print(f"{'total':<18}{gen:>11.3f}{tst:>9.2f}{lod:>8.2f}{total:>9.2f}")
    print(
        f"share of wall time: generation {gen / total:.1%}, generated tests {tst / total:.1%}, "
        f"load run {lod / total:.1%}; verification/generation ratio {(tst + lod) / gen:.0f}x"
    )
    print(f"mean per request: {total / len(rows):.2f} s (target < {TARGET_S:.0f} s)")


if __name__ == "__main__":
    main()

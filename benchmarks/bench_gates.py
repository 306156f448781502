"""What the behavioural gates add to a run, per sample, side by side.

For each sample request the builtin specialist builds the artifacts (in-process, no graph),
then in one sandbox it times the implementation gate's old verification (import the app,
compare routes) and the new one (start the service, demo users, security and robustness
probes, one bounded Schemathesis cycle), split into its parts. A sample whose
implementation has no users script is fuzzed without a token (the table says so).

    python benchmarks/bench_gates.py [--requests N] [--examples 8] [--users-script FILE]

``--users-script`` attaches a users script to implementations that have none (to measure
the full gates on services whose specialist does not write one yet).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact, RequirementsArtifact
from featureline.artifacts.implementation import SourceFile
from featureline.providers.builtin import build_all
from featureline.request import read_request
from featureline.sandbox import Sandbox
from featureline.verification.behaviour import verify_behaviour
from featureline.verification.fuzz import FuzzBounds
from featureline.verification.routes import verify_routes

REQUESTS = sorted((Path(__file__).resolve().parents[1] / "examples" / "requests").glob("*.md"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=len(REQUESTS))
    parser.add_argument("--examples", type=int, default=FuzzBounds().max_examples)
    parser.add_argument("--users-script", type=Path, default=None)
    args = parser.parse_args()
    bounds = FuzzBounds(max_examples=args.examples)
    header = (
        f"{'request':<17}{'routes s':>9}{'gates s':>9}{'start':>7}{'probes':>8}{'fuzz':>7}"
        f"{'ratio':>7}{'errors':>8}  users"
    )
    print(header)
    added: list[float] = []
    with Sandbox() as sandbox:
        for request in REQUESTS[: args.requests]:
            artifacts = build_all(read_request(str(request)))
            implementation = artifacts["implementation"]
            api = artifacts["api_spec"]
            requirements = artifacts["requirements"]
            assert isinstance(implementation, ImplementationArtifact)
            assert isinstance(api, ApiSpecArtifact)
            assert isinstance(requirements, RequirementsArtifact)
            if implementation.users_script is None and args.users_script is not None:
                script = SourceFile(
                    path="demo_users.py", content=args.users_script.read_text(), purpose="bench"
                )
                implementation = implementation.model_copy(update={"users_script": script})
            start = time.perf_counter()
            verify_routes(implementation, api, sandbox, f"bench/{request.stem}/routes")
            routes_s = time.perf_counter() - start
            start = time.perf_counter()
            result = verify_behaviour(
                implementation,
                api,
                requirements,
                sandbox,
                f"bench/{request.stem}/gates",
                bounds=bounds,
            )
            gates_s = time.perf_counter() - start
            added.append(gates_s)
            timings = result.evidence.get("behaviour_timings", {})
            errors = sum(1 for f in result.findings if f.severity == "error")
            users = (
                "yes" if implementation.users_script is not None else "none: fuzzed without token"
            )
            print(
                f"{request.stem:<17}{routes_s:>9.2f}{gates_s:>9.2f}"
                f"{timings.get('start_s', 0):>7.2f}{timings.get('probes_s', 0):>8.2f}"
                f"{timings.get('fuzz_s', 0):>7.2f}{gates_s / routes_s:>7.1f}{errors:>8}  {users}"
            )
    print(f"median time the behavioural gates add per run: {statistics.median(added):.2f} s")


if __name__ == "__main__":
    main()

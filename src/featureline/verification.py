"""Verification that needs the generated code to run: in the sandbox, never in-process.

Three runs, each keyed by run/step/attempt so a re-run after a crash starts clean:
the app imports and serves exactly the spec's operations; the generated tests pass
(per-test outcomes from JUnit XML); the load run executes and its numbers are compared
to the performance targets. Each returns findings plus *evidence* — what featureline
measured itself, stored beside (never inside) the producer's artifact.
"""

from __future__ import annotations

import json
import shlex
import socket
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from featureline.artifacts import (
    ApiSpecArtifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
    TestingArtifact,
)
from featureline.artifacts.performance import LoadResult, NfrVerdict
from featureline.artifacts.testing import ExecutionReport, TestOutcome
from featureline.checks.base import Finding, finding
from featureline.errors import FeaturelineError
from featureline.sandbox import Sandbox, SandboxLimits

ROUTES_SCRIPT = """
import json, sys
module_name, _, attr = sys.argv[1].partition(":")
module = __import__(module_name, fromlist=[attr or "app"])
app = getattr(module, attr or "app")
if not hasattr(app, "openapi") and callable(app):
    app = app()
# the operations the app really serves, as its own router reports them
routes = [
    [method.upper(), path, operation.get("operationId")]
    for path, item in app.openapi().get("paths", {}).items()
    for method, operation in item.items()
    if method in {"get", "post", "put", "patch", "delete"}
]
print(json.dumps(routes))
"""

IMPORT_LIMITS = SandboxLimits(wall_seconds=60)
TEST_LIMITS = SandboxLimits(wall_seconds=240, max_output_bytes=128 * 1024)
LOAD_LIMITS = SandboxLimits(wall_seconds=120)


@dataclass
class Verification:
    findings: list[Finding] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)


def _service_files(implementation: ImplementationArtifact, *extra: Any) -> dict[str, str]:
    files = {f.path: f.content for f in implementation.files}
    for source in extra:
        files[source.path] = source.content
    return files


def verify_routes(
    implementation: ImplementationArtifact, api: ApiSpecArtifact | None, sandbox: Sandbox, key: str
) -> Verification:
    """Import the app in the sandbox and compare its routes with the spec's operations."""
    name = "implementation.routes"
    workdir = sandbox.workspace(key)
    sandbox.write_files(workdir, {**_service_files(implementation), "_routes.py": ROUTES_SCRIPT})
    result = sandbox.run(
        ["python", "_routes.py", implementation.entry_point], workdir, limits=IMPORT_LIMITS
    )
    verification = Verification(evidence={"sandbox": result.network_isolation})
    if not result.ok:
        verification.findings.append(
            finding(
                name,
                implementation.entry_point,
                f"the app does not import: {result.output_tail(1)}",
            )
        )
        return verification
    try:
        routes = {(m, p): op for m, p, op in json.loads(result.stdout.strip().splitlines()[-1])}
    except (ValueError, IndexError) as exc:
        verification.findings.append(
            finding(name, implementation.entry_point, f"unreadable route list: {exc}")
        )
        return verification
    verification.evidence["routes"] = sorted(f"{m} {p}" for m, p in routes)
    if api is None:
        verification.findings.append(
            finding(name, "routes", "no approved API spec to compare the routes with", "warning")
        )
        return verification
    spec = {(e.method, e.path): e.operation_id for e in api.endpoints}
    for method, path in sorted(set(spec) - set(routes)):
        verification.findings.append(
            finding(name, f"{method} {path}", "in the spec but not served by the app")
        )
    for method, path in sorted(set(routes) - set(spec)):
        verification.findings.append(
            finding(name, f"{method} {path}", "served by the app but not in the spec")
        )
    return verification


def verify_tests(
    implementation: ImplementationArtifact | None,
    testing: TestingArtifact,
    sandbox: Sandbox,
    key: str,
) -> Verification:
    """Run the generated tests against the generated service; every failure is an error."""
    name = "testing.run"
    if implementation is None:
        return Verification([finding(name, "test_files", "no approved implementation to test")])
    workdir = sandbox.workspace(key)
    files = _service_files(implementation, *testing.test_files)
    sandbox.write_files(workdir, files)
    argv = shlex.split(testing.test_command) or ["python", "-m", "pytest", "-q"]
    if "pytest" in " ".join(argv):
        argv += ["-p", "no:cacheprovider", "--junitxml=.featureline-junit.xml"]
    started = datetime.now(UTC)
    result = sandbox.run(argv, workdir, limits=TEST_LIMITS)
    outcomes = _junit_outcomes(workdir / ".featureline-junit.xml")
    counts = {
        kind: sum(1 for o in outcomes if o.outcome == kind)
        for kind in ("passed", "failed", "error", "skipped")
    }
    report = ExecutionReport(
        command=" ".join(argv),
        passed=counts["passed"],
        failed=counts["failed"],
        errors=counts["error"] + (0 if outcomes or result.ok else 1),
        skipped=counts["skipped"],
        duration_s=round(result.duration_s, 3),
        output_tail=result.output_tail(15),
        ran_at=started,
        sandbox=f"{result.network_isolation}; limits {TEST_LIMITS.wall_seconds:g}s wall, "
        f"{TEST_LIMITS.memory_bytes // 2**20} MiB",
        results=outcomes,
    )
    verification = Verification(evidence={"execution": report.model_dump(mode="json")})
    if result.timed_out:
        verification.findings.append(
            finding(name, "tests", f"the test run timed out after {TEST_LIMITS.wall_seconds:g}s")
        )
    for outcome in outcomes:
        if outcome.outcome in {"failed", "error"}:
            verification.findings.append(
                finding(name, outcome.test_id, f"{outcome.outcome}: {outcome.message[:300]}")
            )
    if not outcomes and not result.timed_out:
        verification.findings.append(
            finding(name, "tests", f"no test ran: {result.output_tail(1)}")
        )
    return verification


def _junit_outcomes(path: Any) -> list[TestOutcome]:
    try:
        tree = ElementTree.parse(path)
    except (OSError, ElementTree.ParseError):
        return []
    outcomes: list[TestOutcome] = []
    for case in tree.iter("testcase"):
        module = (case.get("classname") or "").replace(".", "/")
        test_id = f"{module}.py::{case.get('name')}"
        outcome, message = "passed", ""
        for tag, label in (("failure", "failed"), ("error", "error"), ("skipped", "skipped")):
            element = case.find(tag)
            if element is not None:
                outcome, message = label, element.get("message") or (element.text or "")[:300]
                break
        outcomes.append(
            TestOutcome(
                test_id=test_id,
                outcome=outcome,  # type: ignore[arg-type]
                duration_s=float(case.get("time") or 0),
                message=message.strip(),
            )
        )
    return outcomes


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def verify_load(
    implementation: ImplementationArtifact | None,
    performance: PerformanceArtifact,
    requirements: RequirementsArtifact | None,
    sandbox: Sandbox,
    key: str,
) -> Verification:
    """Start the service, seed it, run the load test; compare p50/p95/throughput to targets."""
    name = "performance.load_run"
    if implementation is None:
        return Verification([finding(name, "load_test", "no approved implementation to load")])
    workdir = sandbox.workspace(key)
    extra = [performance.load_test_script] + (
        [performance.seed_script] if performance.seed_script else []
    )
    sandbox.write_files(workdir, _service_files(implementation, *extra))
    port = _free_port()
    server_argv = [
        "python",
        "-m",
        "uvicorn",
        implementation.entry_point,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    verification = Verification()
    try:
        with sandbox.start(server_argv, workdir, limits=LOAD_LIMITS) as server:
            server.wait_for_port(port, timeout=30)
            env: dict[str, str] = {}
            if performance.seed_script is not None:
                seeded = server.run(
                    ["python", performance.seed_script.path], workdir, limits=LOAD_LIMITS
                )
                if not seeded.ok:
                    return Verification(
                        [finding(name, "seed_script", f"seeding failed: {seeded.output_tail(1)}")]
                    )
                env = {k: str(v) for k, v in _last_json(seeded.stdout).items()}
            argv = shlex.split(
                performance.load_test_command.replace("{base_url}", f"http://127.0.0.1:{port}")
            )
            argv = [env.get(a[1:], a) if a.startswith("$") else a for a in argv]
            loaded = server.run(argv, workdir, env=env, limits=LOAD_LIMITS)
    except FeaturelineError as exc:
        return Verification([finding(name, "server", f"the service did not start: {exc}")])
    if not loaded.ok:
        return Verification(
            [finding(name, "load_test", f"the load test failed: {loaded.output_tail(1)}")]
        )
    results = []
    for line in loaded.stdout.splitlines():
        if line.strip().startswith("{"):
            try:
                data = json.loads(line)
                data.setdefault("scenario", data.get("endpoint", "load"))
                results.append(LoadResult.model_validate(data))
            except ValueError as exc:
                verification.findings.append(
                    finding(name, "output", f"unreadable result line: {exc}")
                )
    if not results:
        verification.findings.append(
            finding(name, "output", f"the load test printed no result: {loaded.output_tail(1)}")
        )
        return verification
    rows = env.get("LOADTEST_ROWS", "")
    verdicts = compare_to_targets(results, requirements, int(rows) if rows.isdigit() else None)
    verification.evidence = {
        "results": [r.model_dump(mode="json") for r in results],
        "verdicts": [v.model_dump(mode="json") for v in verdicts],
        "sandbox": loaded.network_isolation,
    }
    for result in results:
        if result.error_rate > 0:
            verification.findings.append(
                finding(
                    name, result.endpoint, f"{result.error_rate:.1%} of load-test requests failed"
                )
            )
    for verdict in verdicts:
        if verdict.verdict == "not_measured":
            verification.findings.append(finding(name, verdict.nfr_id, verdict.evidence, "info"))
        if verdict.verdict == "not_met":
            verification.findings.append(
                finding(
                    name,
                    verdict.nfr_id,
                    f"target {verdict.target} not met: measured {verdict.measured}",
                    "warning",
                )
            )
    return verification


def _last_json(text: str) -> dict[str, Any]:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}


def compare_to_targets(
    results: list[LoadResult],
    requirements: RequirementsArtifact | None,
    seeded_rows: int | None = None,
) -> list[NfrVerdict]:
    """Pure: a verdict per latency/throughput target, from the worst measured scenario; a
    data-volume target ("50,000 bookmarks per user") is met when the run was seeded with
    that many rows and every latency target held at that volume."""
    if requirements is None:
        return []
    verdicts: list[NfrVerdict] = []
    total = sum(r.requests for r in results)
    worst_p95 = max(r.p95_ms for r in results)
    worst_p50 = max(r.p50_ms for r in results)
    slowest_rps = min(r.throughput_rps for r in results)
    ops = {
        "<": float.__lt__,
        "<=": float.__le__,
        ">": float.__gt__,
        ">=": float.__ge__,
        "==": float.__eq__,
    }
    order = {nfr.id: index for index, nfr in enumerate(requirements.non_functional)}
    # volume targets last: they depend on the latency verdicts at that volume
    for nfr in sorted(requirements.non_functional, key=lambda n: n.unit == "count"):
        if nfr.category not in {"performance", "scalability"}:
            continue
        metric = nfr.metric.lower()
        if nfr.unit == "ms" and "p95" in metric:
            measured, label = worst_p95, f"p95 {worst_p95:.1f} ms"
        elif nfr.unit == "ms" and "p50" in metric:
            measured, label = worst_p50, f"p50 {worst_p50:.1f} ms"
        elif nfr.unit == "rps":
            measured, label = slowest_rps, f"{slowest_rps:.0f} rps (one client, sequential)"
        elif nfr.unit == "count" and seeded_rows is not None:
            measured, label = (
                float(seeded_rows),
                f"{seeded_rows} rows seeded, p95 {worst_p95:.1f} ms",
            )
        else:
            verdicts.append(
                NfrVerdict(
                    nfr_id=nfr.id,
                    target=f"{nfr.comparator} {nfr.target:g} {nfr.unit}",
                    measured="",
                    verdict="not_measured",
                    evidence=f"the load run measures latency and throughput, not '{nfr.metric}'",
                )
            )
            continue
        met = ops[nfr.comparator](float(measured), float(nfr.target))
        if nfr.unit == "count":  # the volume only counts if latency held at that volume
            met = met and all(v.verdict != "not_met" for v in verdicts)
        verdicts.append(
            NfrVerdict(
                nfr_id=nfr.id,
                target=f"{nfr.comparator} {nfr.target:g} {nfr.unit}",
                measured=label,
                verdict="met" if met else "not_met",
                evidence=f"featureline load run in the sandbox, {total} requests",
            )
        )
    return sorted(verdicts, key=lambda v: order[v.nfr_id])


VERIFIED_KINDS = ("implementation", "testing", "performance")


def _upstream(upstream: dict[str, Any], model: type[Any]) -> Any | None:
    return next((a for a in upstream.values() if isinstance(a, model)), None)


def verify_artifact(
    kind: str, artifact: Any, upstream: dict[str, Any], sandbox: Sandbox | None, key: str
) -> Verification | None:
    """The sandbox verification for one artifact kind, or None when the kind has none.

    Without a sandbox (verification switched off) the finding says so: never a silent pass.
    """
    if kind not in VERIFIED_KINDS:
        return None
    if sandbox is None:
        return Verification(
            [
                finding(
                    f"{kind}.sandbox",
                    kind,
                    "not executed in the sandbox: verification is off (--no-verify)",
                    "warning",
                )
            ]
        )
    if kind == "implementation":
        result = verify_routes(artifact, _upstream(upstream, ApiSpecArtifact), sandbox, key)
    else:
        implementation = _upstream(upstream, ImplementationArtifact)
        if kind == "testing":
            result = verify_tests(implementation, artifact, sandbox, key)
        else:
            requirements = _upstream(upstream, RequirementsArtifact)
            result = verify_load(implementation, artifact, requirements, sandbox, key)
    result.findings.append(
        finding(
            f"{kind}.sandbox",
            kind,
            f"generated code ran in the sandbox: {sandbox.network_isolation} against the network, "
            f"environment without secrets, {sandbox.limits.memory_bytes // 2**20} MiB memory limit",
            "info",
        )
    )
    return result

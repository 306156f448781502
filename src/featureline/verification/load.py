"""The load run: start the service, seed it, run the load test, judge each target on its own
operations. A target not met, or measured on the wrong operation, is an error at the gate."""

from __future__ import annotations

import shlex

from featureline.artifacts import (
    ApiSpecArtifact,
    ImplementationArtifact,
    PerformanceArtifact,
    RequirementsArtifact,
)
from featureline.artifacts.performance import LoadResult
from featureline.checks.base import finding
from featureline.sandbox import Sandbox
from featureline.verification.base import (
    LOAD_LIMITS,
    Verification,
    free_port,
    json_lines,
    last_json,
    service_files,
)
from featureline.verification.service import ServiceError, started_service
from featureline.verification.targets import DEFERRED, MISTARGETED, UNTARGETED, judge_targets


def verify_load(
    implementation: ImplementationArtifact | None,
    performance: PerformanceArtifact,
    requirements: RequirementsArtifact | None,
    sandbox: Sandbox,
    key: str,
    api: ApiSpecArtifact | None = None,
) -> Verification:
    """Start the service, seed it, run the load test; compare p50/p95/throughput to targets."""
    name = "performance.load_run"
    if implementation is None:
        return Verification([finding(name, "load_test", "no approved implementation to load")])
    workdir = sandbox.workspace(key)
    extra = [performance.load_test_script] + (
        [performance.seed_script] if performance.seed_script else []
    )
    sandbox.write_files(workdir, service_files(implementation, *extra))
    port = free_port()
    verification = Verification()
    try:
        with started_service(sandbox, implementation, workdir, port, LOAD_LIMITS) as service:
            env: dict[str, str] = {}
            if performance.seed_script is not None:
                seeded = service.server.run(
                    ["python", performance.seed_script.path], workdir, limits=LOAD_LIMITS
                )
                if not seeded.ok:
                    return Verification(
                        [finding(name, "seed_script", f"seeding failed: {seeded.output_tail(1)}")]
                    )
                env = {k: str(v) for k, v in last_json(seeded.stdout).items()}
            argv = shlex.split(
                performance.load_test_command.replace("{base_url}", service.base_url)
            )
            argv = [env.get(a[1:], a) if a.startswith("$") else a for a in argv]
            loaded = service.server.run(argv, workdir, env=env, limits=LOAD_LIMITS)
    except ServiceError as exc:
        return Verification([finding(name, "server", str(exc))])
    if not loaded.ok:
        return Verification(
            [finding(name, "load_test", f"the load test failed: {loaded.output_tail(1)}")]
        )
    results = []
    for data in json_lines(loaded.stdout):
        try:
            data.setdefault("scenario", data.get("endpoint", "load"))
            results.append(LoadResult.model_validate(data))
        except ValueError as exc:
            verification.findings.append(finding(name, "output", f"unreadable result line: {exc}"))
    if not results:
        verification.findings.append(
            finding(name, "output", f"the load test printed no result: {loaded.output_tail(1)}")
        )
        return verification
    rows = env.get("LOADTEST_ROWS", "")
    judged = judge_targets(results, requirements, api, int(rows) if rows.isdigit() else None)
    verification.evidence = {
        "results": [r.model_dump(mode="json") for r in results],
        "verdicts": [j.verdict.model_dump(mode="json") for j in judged],
        "sandbox": loaded.network_isolation,
    }
    for result in results:
        if result.error_rate > 0:
            verification.findings.append(
                finding(
                    name, result.endpoint, f"{result.error_rate:.1%} of load-test requests failed"
                )
            )
    for item in judged:
        verdict = item.verdict
        if item.why_not_measured == UNTARGETED:
            verification.findings.append(
                finding(
                    name,
                    verdict.nfr_id,
                    f"the target names no operation (requirement_ids empty): judged on what the "
                    f"load run measured, {', '.join(verdict.operations)}; if it is about one "
                    "operation, its requirement_ids must name that operation's FR",
                    "warning",
                )
            )
        if verdict.verdict == "not_met":
            verification.findings.append(
                finding(
                    name,
                    verdict.nfr_id,
                    f"target {verdict.target} not met on {', '.join(verdict.operations)}: "
                    f"measured {verdict.measured}",
                )
            )
        elif item.why_not_measured == MISTARGETED:
            verification.findings.append(
                finding(
                    name,
                    verdict.nfr_id,
                    f"target {verdict.target} not measured: {verdict.evidence}",
                )
            )
        elif verdict.verdict == "not_measured":
            verification.findings.append(
                finding(
                    name,
                    verdict.nfr_id,
                    verdict.evidence,
                    "warning" if item.why_not_measured == DEFERRED else "info",
                )
            )
    return verification

"""The implementation gate's behavioural verification: start the service once in the sandbox,
create its demo users, run the security probes, then the conformance fuzzing.

Probes run first (a few hundred deterministic requests) so the fuzzing's random rows do
not change what they see. Without a users script neither can run: that is an error, never
a silent pass (fuzzing behind auth without a token would only see 401s).
"""

from __future__ import annotations

import json
import time

from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact, RequirementsArtifact
from featureline.checks.base import finding
from featureline.sandbox import Sandbox, SandboxLimits
from featureline.verification.base import (
    CLIENT_LIMITS,
    HELPERS_DIR,
    Verification,
    free_port,
    helper_script,
    json_lines,
    service_files,
)
from featureline.verification.fuzz import FuzzBounds, fuzz_findings, fuzz_settings
from featureline.verification.probes import CHECK as PROBES
from featureline.verification.probes import probe_findings, probe_plan
from featureline.verification.service import (
    DemoUser,
    RunningService,
    ServiceError,
    auth_header,
    create_users,
    demo_roles,
    headers_for,
    started_service,
)


def verify_behaviour(
    implementation: ImplementationArtifact,
    api: ApiSpecArtifact | None,
    requirements: RequirementsArtifact | None,
    sandbox: Sandbox,
    key: str,
    *,
    bounds: FuzzBounds = FuzzBounds(),  # noqa: B008 (frozen)
    probes: bool = True,
    fuzz: bool = True,
) -> Verification:
    """Probes and fuzzing against the running service; timings go into the evidence."""
    workdir = sandbox.workspace(key)
    files = service_files(implementation)
    files[f"{HELPERS_DIR}/__init__.py"] = ""
    files[f"{HELPERS_DIR}/probe_runner.py"] = helper_script("probe_runner.py")
    files[f"{HELPERS_DIR}/fuzz_runner.py"] = helper_script("fuzz_runner.py")
    if api is not None:
        files[f"{HELPERS_DIR}/openapi.json"] = api.openapi_json
    sandbox.write_files(workdir, files)
    verification = Verification()
    timings: dict[str, float] = {}
    started = time.monotonic()
    try:
        with started_service(sandbox, implementation, workdir, free_port()) as service:
            timings["start_s"] = round(time.monotonic() - started, 2)
            users: list[DemoUser] = []
            try:
                users = create_users(service, implementation, demo_roles(api, requirements))
            except ServiceError as exc:
                verification.findings.append(finding(PROBES, "users_script", str(exc)))
            header = auth_header(api)
            if probes and users and api is not None:
                mark = time.monotonic()
                verification.extend(_probe(service, api, requirements, users, header))
                timings["probes_s"] = round(time.monotonic() - mark, 2)
            elif probes and api is None:
                verification.findings.append(
                    finding(
                        PROBES, "probes", "no approved API spec: security probes not run", "warning"
                    )
                )
            if fuzz and not users:
                verification.findings.append(
                    finding(
                        "implementation.conformance",
                        "fuzzing",
                        "not fuzzed: no demo user to sign in with (see the users_script finding)",
                        "warning",
                    )
                )
            elif fuzz:
                mark = time.monotonic()
                verification.extend(_fuzz(service, api, users, header, bounds))
                timings["fuzz_s"] = round(time.monotonic() - mark, 2)
    except ServiceError as exc:
        verification.findings.append(finding("implementation.service", "server", str(exc)))
    verification.evidence["behaviour_timings"] = timings
    return verification


def _probe(
    service: RunningService,
    api: ApiSpecArtifact,
    requirements: RequirementsArtifact | None,
    users: list[DemoUser],
    header: dict[str, str],
) -> Verification:
    plan = probe_plan(api, requirements, users, service.base_url, header)
    plan_path = service.workdir / HELPERS_DIR / "probe_plan.json"
    plan_path.write_text(json.dumps(plan), encoding="utf-8")
    result = service.server.run(
        ["python", f"{HELPERS_DIR}/probe_runner.py", str(plan_path)],
        service.workdir,
        limits=CLIENT_LIMITS,
    )
    report = json_lines(result.stdout)
    if not result.ok or not any("summary" in row for row in report):
        return Verification(
            [finding(PROBES, "probes", f"the probe run failed: {result.output_tail(3)}")]
        )
    summary = next(row["summary"] for row in report if "summary" in row)
    return Verification(probe_findings(report), {"probes": summary})


def _fuzz(
    service: RunningService,
    api: ApiSpecArtifact | None,
    users: list[DemoUser],
    header: dict[str, str],
    bounds: FuzzBounds,
) -> Verification:
    token = users[0].token
    headers = headers_for(header, token)
    spec_path = str(service.workdir / HELPERS_DIR / "openapi.json") if api is not None else ""
    settings = fuzz_settings(service.base_url, spec_path, headers, token, bounds)
    config_path = service.workdir / HELPERS_DIR / "fuzz.json"
    config_path.write_text(json.dumps(settings), encoding="utf-8")
    limits = SandboxLimits(
        wall_seconds=bounds.max_seconds + 60, max_output_bytes=CLIENT_LIMITS.max_output_bytes
    )
    result = service.server.run(
        ["python", f"{HELPERS_DIR}/fuzz_runner.py", str(config_path)],
        service.workdir,
        limits=limits,
    )
    report = json_lines(result.stdout)
    verification = Verification(fuzz_findings(report))
    if not result.ok:
        verification.findings.append(
            finding(
                "implementation.conformance",
                "fuzzing",
                f"the fuzz run failed: {result.output_tail(3)}",
            )
        )
    summary = next((row["summary"] for row in report if "summary" in row), None)
    verification.evidence["fuzz"] = summary
    return verification

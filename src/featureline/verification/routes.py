"""The app imports and serves exactly the spec's operations (checked in the sandbox)."""

from __future__ import annotations

import json

from featureline.artifacts import ApiSpecArtifact, ImplementationArtifact
from featureline.checks.base import finding
from featureline.sandbox import Sandbox
from featureline.verification.base import (
    HELPERS_DIR,
    IMPORT_LIMITS,
    Verification,
    helper_script,
    service_files,
)


def verify_routes(
    implementation: ImplementationArtifact, api: ApiSpecArtifact | None, sandbox: Sandbox, key: str
) -> Verification:
    """Import the app in the sandbox and compare its routes with the spec's operations."""
    name = "implementation.routes"
    workdir = sandbox.workspace(key)
    script = f"{HELPERS_DIR}/routes.py"
    sandbox.write_files(
        workdir, {**service_files(implementation), script: helper_script("routes.py")}
    )
    result = sandbox.run(
        ["python", script, implementation.entry_point], workdir, limits=IMPORT_LIMITS
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

"""Verification that needs the generated code to run: in the sandbox, never in-process.

Keyed by run/step/attempt so a re-run after a crash starts clean. Per artifact kind:

* implementation — the app serves exactly the spec's operations (``routes``); started
  once, it answers the security probes (``probes``) and conformance fuzzing (``fuzz``);
* testing — the generated tests pass, and every planned requirement has a passing test of
  its own (``tests``, ``acceptance``);
* performance — the load run, each target judged on its own operations (``load``,
  ``targets``).

Each returns findings plus *evidence* — what featureline measured itself, stored beside
(never inside) the producer's artifact.
"""

from __future__ import annotations

from typing import Any

from featureline.artifacts import (
    ApiSpecArtifact,
    ImplementationArtifact,
    RequirementsArtifact,
)
from featureline.checks.base import finding, has_errors
from featureline.sandbox import Sandbox
from featureline.verification.base import Verification, find_upstream
from featureline.verification.behaviour import verify_behaviour
from featureline.verification.fuzz import FuzzBounds
from featureline.verification.load import verify_load
from featureline.verification.routes import verify_routes
from featureline.verification.targets import compare_to_targets
from featureline.verification.tests import verify_tests

__all__ = [
    "VERIFIED_KINDS",
    "FuzzBounds",
    "Verification",
    "compare_to_targets",
    "verify_artifact",
]

VERIFIED_KINDS = ("implementation", "testing", "performance")


def verify_artifact(
    kind: str,
    artifact: Any,
    upstream: dict[str, Any],
    sandbox: Sandbox | None,
    key: str,
    *,
    behaviour: bool = True,
    bounds: FuzzBounds = FuzzBounds(),  # noqa: B008 (frozen)
) -> Verification | None:
    """The sandbox verification for one artifact kind, or None when the kind has none.

    Without a sandbox (verification switched off) the finding says so: never a silent pass.
    ``behaviour=False`` skips the implementation's probes and fuzzing (a warning says so).
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
    api = find_upstream(upstream, ApiSpecArtifact)
    requirements = find_upstream(upstream, RequirementsArtifact)
    if kind == "implementation":
        result = verify_routes(artifact, api, sandbox, key)
        if not behaviour:
            result.findings.append(
                finding(
                    "implementation.behaviour",
                    kind,
                    "security probes and conformance fuzzing skipped: not verified",
                    "warning",
                )
            )
        elif not has_errors(result.findings):
            result.extend(
                verify_behaviour(
                    artifact, api, requirements, sandbox, f"{key}-behaviour", bounds=bounds
                )
            )
    else:
        implementation = find_upstream(upstream, ImplementationArtifact)
        if kind == "testing":
            result = verify_tests(implementation, artifact, sandbox, key, requirements)
        else:
            result = verify_load(implementation, artifact, requirements, sandbox, key, api)
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

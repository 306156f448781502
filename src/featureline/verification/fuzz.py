"""Conformance fuzzing: Schemathesis against the started service and its approved spec.

It runs at the implementation gate: that is where the service first exists, where it is
compared with the approved API spec, and where a failure is the implementation's to fix
(the revise loop sends every failure back with a request that reproduces it). Bounded in
examples per operation and in wall time, so a run stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from featureline.checks.base import Finding, finding

CHECK = "implementation.conformance"


@dataclass(frozen=True)
class FuzzBounds:
    """Examples per operation and phase; the wall-time backstop (the run normally ends after
    one fuzzing cycle over every operation, well before it)."""

    max_examples: int = 8
    max_seconds: int = 12
    seed: int = 1


def fuzz_settings(
    base_url: str,
    spec_path: str,
    headers: dict[str, str],
    token: str,
    bounds: FuzzBounds,
) -> dict[str, Any]:
    """The fuzz runner's config (spec_path empty: the app's own /openapi.json)."""
    return {
        "base_url": base_url,
        "spec_path": spec_path,
        "headers": headers,
        "token": token,
        "max_examples": bounds.max_examples,
        "max_seconds": bounds.max_seconds,
        "seed": bounds.seed,
    }


def fuzz_findings(report: list[dict[str, Any]]) -> list[Finding]:
    """One error per distinct failure (operation, check, status), with a reproducible request."""
    findings: list[Finding] = []
    summary: dict[str, Any] | None = None
    server_errors = {
        (row["failure"].get("operation"), row["failure"].get("status"))
        for row in report
        if isinstance(row.get("failure"), dict)
        and row["failure"].get("check") == "not_a_server_error"
    }
    for row in report:
        failure = row.get("failure")
        if (
            isinstance(failure, dict)
            and failure.get("check") == "status_code_conformance"
            and (failure.get("operation"), failure.get("status")) in server_errors
        ):
            continue  # the same 5xx, already reported as a server error
        if isinstance(failure, dict):
            body = failure.get("body")
            body_text = "" if body is None else f" body {str(body)[:200]}"
            query = failure.get("query") or {}
            count = int(failure.get("count", 1))
            findings.append(
                finding(
                    CHECK,
                    str(failure.get("operation", "?")),
                    f"{failure.get('check')}: {failure.get('title')}"
                    f"{' (' + str(failure.get('status')) + ')' if failure.get('status') else ''}"
                    f" — {failure.get('message', '')}; request: {failure.get('method')} "
                    f"{failure.get('path')}{' query ' + str(query) if query else ''}{body_text}"
                    f"{f' ({count} cases)' if count > 1 else ''}; reproduce: {failure.get('curl')}",
                )
            )
        if isinstance(row.get("summary"), dict):
            summary = row["summary"]
    if summary is None:
        findings.append(finding(CHECK, "fuzzing", "the fuzz run printed no summary: not verified"))
        return findings
    for error in summary.get("errors", []):  # an operation never fuzzed is not verified
        findings.append(finding(CHECK, "fuzzing", f"fuzzing could not test: {error}"))
    missing = summary.get("missing_checks") or []
    if missing:
        findings.append(
            finding(
                CHECK,
                "fuzzing",
                f"this Schemathesis has no {', '.join(missing)} check: not fuzzed for it "
                "(featureline's own probes still check 405 and its Allow header)",
                "info",
            )
        )
    return findings

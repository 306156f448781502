"""Pure: judge each performance target on the operations it names, from measured load results.

An NFR's ``requirement_ids`` name the FRs it is about (e.g. the redirect); the API spec's
endpoints that serve those FRs are its operations, and only load results for those
operations count. A deferred FR, or no load result for its operations, gives
``not_measured`` with the reason — never a verdict borrowed from another endpoint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact
from featureline.artifacts.performance import LoadResult, NfrVerdict
from featureline.artifacts.requirements import NonFunctionalRequirement

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": float.__lt__,
    "<=": float.__le__,
    ">": float.__gt__,
    ">=": float.__ge__,
    "==": float.__eq__,
}

# Why a target was not measured; "mistargeted" is an error at the gate (the load run did not
# exercise what the target is about), the others are honest gaps. UNTARGETED marks a verdict
# on a target that names no operation: judged on whatever was measured, which the gate says.
NotMeasured = str
MISTARGETED = "mistargeted"
DEFERRED = "deferred"
UNMEASURABLE = "unmeasurable"
UNTARGETED = "untargeted"


@dataclass(frozen=True)
class Judged:
    verdict: NfrVerdict
    why_not_measured: NotMeasured = ""


def _template_regex(path: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}/]+\})", path)
    body = "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{body}/?$")


def result_matches(result_endpoint: str, method: str, path: str) -> bool:
    """Whether a load result's endpoint ('GET /v1/l/abc?x=1', 'GET /v1/l/{code}' or a bare
    path) is a request to the operation ``method path``."""
    text = result_endpoint.strip()
    measured_method, _, measured_path = text.partition(" ")
    if not measured_path:
        measured_method, measured_path = "", measured_method
    measured_path = measured_path.split("?", 1)[0].strip()
    if measured_method and measured_method.upper() != method.upper():
        return False
    return measured_path == path or bool(_template_regex(path).match(measured_path))


def target_operations(
    nfr: NonFunctionalRequirement, api: ApiSpecArtifact | None
) -> list[tuple[str, str]] | None:
    """The (method, path) operations an NFR is about; None when it is about the whole service."""
    if not nfr.requirement_ids:
        return None
    if api is None:
        return []
    return [
        (e.method, e.path)
        for e in api.endpoints
        if any(rid in e.requirement_ids for rid in nfr.requirement_ids)
    ]


def _not_measured(
    nfr: NonFunctionalRequirement, why: NotMeasured, evidence: str, ops: list[str]
) -> Judged:
    return Judged(
        NfrVerdict(
            nfr_id=nfr.id,
            target=f"{nfr.comparator} {nfr.target:g} {nfr.unit}",
            measured="",
            verdict="not_measured",
            evidence=evidence,
            operations=ops,
        ),
        why,
    )


def judge_targets(
    results: list[LoadResult],
    requirements: RequirementsArtifact | None,
    api: ApiSpecArtifact | None = None,
    seeded_rows: int | None = None,
) -> list[Judged]:
    """A verdict per performance/scalability target, in the requirements' order."""
    if requirements is None:
        return []
    status = {r.id: r.status for r in requirements.functional}
    order = {nfr.id: index for index, nfr in enumerate(requirements.non_functional)}
    judged: list[Judged] = []
    # volume targets last: they depend on the latency verdicts at that volume
    for nfr in sorted(requirements.non_functional, key=lambda n: n.unit == "count"):
        if nfr.category not in {"performance", "scalability"}:
            continue
        deferred = [rid for rid in nfr.requirement_ids if status.get(rid) == "deferred"]
        if deferred:
            judged.append(
                _not_measured(
                    nfr,
                    DEFERRED,
                    f"its operations serve deferred requirement(s) {', '.join(deferred)}: "
                    "nothing to measure",
                    [],
                )
            )
            continue
        wanted = target_operations(nfr, api)
        if wanted is None:
            selected = list(results)
        elif not wanted:
            reason = (
                "no approved API spec to find its operations"
                if api is None
                else f"no API operation serves {', '.join(nfr.requirement_ids)}"
            )
            judged.append(_not_measured(nfr, MISTARGETED, reason, []))
            continue
        else:
            selected = [
                r for r in results if any(result_matches(r.endpoint, m, p) for m, p in wanted)
            ]
        labels = [
            f"{m} {p}"
            for m, p in wanted or []
            if any(result_matches(r.endpoint, m, p) for r in selected)
        ]
        if not selected:
            labels = [f"{m} {p}" for m, p in wanted or []]
            measured = sorted({r.endpoint for r in results}) or ["nothing"]
            judged.append(
                _not_measured(
                    nfr,
                    MISTARGETED,
                    f"the load run measured {', '.join(measured)}, not the target's operation(s) "
                    f"{', '.join(labels) or 'any'}",
                    labels,
                )
            )
            continue
        outcome = _measure(nfr, selected, labels, seeded_rows, judged)
        if wanted is None and outcome.verdict.verdict != "not_measured":
            outcome = Judged(outcome.verdict, UNTARGETED)
        judged.append(outcome)
    return sorted(judged, key=lambda j: order[j.verdict.nfr_id])


def _measure(
    nfr: NonFunctionalRequirement,
    selected: list[LoadResult],
    labels: list[str],
    seeded_rows: int | None,
    earlier: list[Judged],
) -> Judged:
    ops = labels or sorted(dict.fromkeys(r.endpoint for r in selected))
    worst_p95 = max(r.p95_ms for r in selected)
    worst_p50 = max(r.p50_ms for r in selected)
    slowest_rps = min(r.throughput_rps for r in selected)
    total = sum(r.requests for r in selected)
    metric = nfr.metric.lower()
    if nfr.unit == "ms" and "p50" in metric:
        measured, label = worst_p50, f"p50 {worst_p50:.1f} ms"
    elif nfr.unit == "ms":
        measured, label = worst_p95, f"p95 {worst_p95:.1f} ms"
    elif nfr.unit == "rps":
        measured, label = slowest_rps, f"{slowest_rps:.0f} rps (one client, sequential)"
    elif nfr.unit == "count" and seeded_rows is not None:
        measured, label = float(seeded_rows), f"{seeded_rows} rows seeded, p95 {worst_p95:.1f} ms"
    else:
        why = (
            "the load run did not report how many rows it seeded"
            if nfr.unit == "count"
            else f"the load run measures latency and throughput, not '{nfr.metric}'"
        )
        return _not_measured(nfr, UNMEASURABLE, why, ops)
    met = _OPS[nfr.comparator](float(measured), float(nfr.target))
    if nfr.unit == "count":  # the volume only counts if latency held at that volume
        met = met and all(j.verdict.verdict != "not_met" for j in earlier)
    return Judged(
        NfrVerdict(
            nfr_id=nfr.id,
            target=f"{nfr.comparator} {nfr.target:g} {nfr.unit}",
            measured=label,
            verdict="met" if met else "not_met",
            evidence=f"featureline load run in the sandbox, {total} requests to {', '.join(ops)}",
            operations=ops,
        )
    )


def compare_to_targets(
    results: list[LoadResult],
    requirements: RequirementsArtifact | None,
    seeded_rows: int | None = None,
    api: ApiSpecArtifact | None = None,
) -> list[NfrVerdict]:
    """The verdicts alone (see ``judge_targets``)."""
    return [j.verdict for j in judge_targets(results, requirements, api, seeded_rows)]

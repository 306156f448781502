"""Targets stated in the request ("under 20 ms at the 95th percentile", "2,000 redirects per
second", "limited to 100 per minute") as measurable non-functional requirements.

Only numbers the request states become targets grounded in their sentence; the two the
builtin adds (a default list latency and a health probe) say so in their description.
"""

from __future__ import annotations

import re

from featureline.artifacts.requirements import NonFunctionalRequirement
from featureline.providers.builtin.understanding.model import Domain


def is_target(sentence: str) -> bool:
    return bool(
        re.search(r"\d+\s*(ms|milliseconds|per second|per minute|%)|\d{1,3}(,\d{3})+", sentence)
    )


def _num(text: str) -> float:
    return float(text.replace(",", ""))


def non_functional(domain: Domain) -> list[NonFunctionalRequirement]:
    out: list[NonFunctionalRequirement] = []

    def add(
        category: str,
        description: str,
        metric: str,
        comparator: str,
        target: float,
        unit: str,
        source: str,
    ) -> None:
        out.append(
            NonFunctionalRequirement.model_validate(
                {
                    "id": f"NFR-{len(out) + 1}",
                    "category": category,
                    "description": description,
                    "metric": metric,
                    "comparator": comparator,
                    "target": target,
                    "unit": unit,
                    "source": source,
                }
            )
        )

    for s in domain.sentences:
        low = s.lower()
        subject = "the redirect path" if "redirect" in low else "list endpoints"
        lat = re.search(
            r"(?:under|below|within|less than)\s+(\d[\d,.]*)\s*(ms|milliseconds|s|seconds)\b", low
        )
        if lat:
            pct = re.search(r"\bp?(9\d|50)(?:th)?\s*percentile|\bp(9\d|50)\b", low)
            p = (pct.group(1) or pct.group(2)) if pct else "95"
            value = _num(lat.group(1)) * (1000 if lat.group(2).startswith("s") else 1)
            add(
                "performance",
                f"p{p} latency of {subject} under {value:g} ms",
                f"p{p} latency of {subject}",
                "<",
                value,
                "ms",
                s,
            )
        for m in re.finditer(r"(\d[\d,]*)\s+(?:[a-z]+\s+)?per second", low):
            add(
                "scalability",
                f"sustain {m.group(1)} requests per second on {subject}",
                f"throughput of {subject}",
                ">=",
                _num(m.group(1)),
                "rps",
                s,
            )
        rate = re.search(
            r"limited to (\d[\d,]*)\s+(?:[a-z]+\s+)?per (second|minute|hour)(?: per ([a-z ]+))?",
            low,
        )
        if rate:
            add(
                "security",
                f"rate limit of {rate.group(1)} per {rate.group(2)}"
                + (f" per {rate.group(3)}" if rate.group(3) else ""),
                f"rate limit: requests per {rate.group(2)} per {rate.group(3) or 'caller'}",
                "<=",
                _num(rate.group(1)),
                f"requests/{rate.group(2)}",
                s,
            )
        for m in re.finditer(r"(\d{1,3}(?:,\d{3})+|\d{4,})\s+([a-z]+)", low):
            ent = domain.resolve(m.group(2))
            if ent and "per" not in low[m.end() : m.end() + 5]:
                add(
                    "scalability",
                    f"lists stay within the latency target with {m.group(1)} {m.group(2)} per user",
                    f"{m.group(2)} per user while list p95 stays within target",
                    ">=",
                    _num(m.group(1)),
                    "count",
                    s,
                )
        av = re.search(r"(\d{2}(?:\.\d+)?)\s*%\s*(?:uptime|availability)", low)
        if av:
            add(
                "availability",
                f"availability of {av.group(1)}%",
                "monthly availability",
                ">=",
                float(av.group(1)),
                "%",
                s,
            )
    if not any(n.metric.startswith("p") and "list" in n.metric for n in out):
        add(
            "performance",
            "default target (the request states none for lists): list endpoints answer "
            "quickly at the 95th percentile",
            "p95 latency of list endpoints",
            "<",
            200.0,
            "ms",
            "",
        )
    add(
        "availability",
        "operations can probe liveness: GET /v1/health answers 200 while the database "
        "is reachable (added by the builtin specialist; the request states no such target)",
        "latency of GET /v1/health",
        "<",
        1000.0,
        "ms",
        "",
    )
    return out

"""Split a request into sentences the same way for every reader (checks and specialists)."""

from __future__ import annotations

import re


def sentences(text: str) -> list[str]:
    """Split request text into sentences; headings are dropped, and each bullet or numbered
    item is a sentence of its own even without a full stop (prose lines are joined)."""
    units: list[str] = []
    prose: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        bullet = re.match(r"^(?:[-*+]|\d+[.)])\s+", line)
        if not line or line.startswith("#") or bullet:
            if prose:
                units.append(" ".join(prose))
                prose = []
            if bullet:
                units.append(line[bullet.end() :])
            continue
        prose.append(line)
    if prose:
        units.append(" ".join(prose))
    out: list[str] = []
    for unit in units:
        parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", unit)
        out.extend(p.strip() for p in parts if p.strip())
    return out

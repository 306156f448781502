"""Small English helpers: sentence splitting, singular/plural, snake_case.

The builtin specialist parses plain English with heuristics; these helpers keep that
parsing predictable (pure functions, no state) so the same text always gives the same words.
"""

from __future__ import annotations

import re

_IRREGULAR_SINGULAR = {
    "people": "person",
    "children": "child",
    "staff": "staff",
    "data": "data",
    "news": "news",
    "series": "series",
    "status": "status",
    "address": "address",
    "notes": "notes",
}
_IRREGULAR_PLURAL = {v: k for k, v in _IRREGULAR_SINGULAR.items() if k != v}
_IRREGULAR_PLURAL.update({"status": "statuses", "address": "addresses"})


def sentences(text: str) -> list[str]:
    """Split request text into sentences; headings and bullets become sentences of their own."""
    lines = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        line = re.sub(r"^[-*+]\s+|^\d+[.)]\s+", "", line)
        lines.append(line)
    joined = " ".join(lines)
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", joined)
    return [p.strip() for p in parts if p.strip()]


def singular(word: str) -> str:
    """Singular of a (lowercase) English noun; good enough for entity names."""
    w = word.lower()
    if w in _IRREGULAR_SINGULAR:
        return _IRREGULAR_SINGULAR[w]
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")):
        return w[:-1]
    return w


def plural(word: str) -> str:
    """Plural of a singular snake_case noun (only the last word changes)."""
    head, _, last = word.rpartition("_")
    if last in _IRREGULAR_PLURAL:
        out = _IRREGULAR_PLURAL[last]
    elif last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        out = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        out = last + "es"
    else:
        out = last + "s"
    return f"{head}_{out}" if head else out


def snake(phrase: str) -> str:
    """'Unit price' -> 'unit_price'; drops punctuation."""
    words = re.findall(r"[a-z0-9]+", phrase.lower())
    return "_".join(words)


def title_words(name: str) -> str:
    """'stock_movement' -> 'stock movement'."""
    return name.replace("_", " ")


def split_top_level(text: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside parentheses: 'a, b (x, y), c' -> ['a', 'b (x, y)', 'c']."""
    parts: list[str] = []
    depth = 0
    current: list[str] = []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(0, depth - 1)
        if ch == sep and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return [p.strip() for p in parts if p.strip()]


def shorten(text: str, limit: int = 80) -> str:
    """A one-line excerpt for titles."""
    one = " ".join(text.split()).rstrip(".")
    return one if len(one) <= limit else one[: limit - 1].rstrip() + "…"

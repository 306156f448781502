"""Small English helpers: singular/plural, snake_case, titles.

The builtin specialist parses plain English with heuristics; these helpers keep that
parsing predictable (pure functions, no state) so the same text always gives the same words.
"""

from __future__ import annotations

import re

import lemminflect

from featureline.language import lexicon

_IRREGULAR_PLURAL = {
    "person": "people",
    "staff": "staff",
    "equipment": "equipment",
    "data": "data",
    "media": "media",
    "news": "news",
    "series": "series",
    "species": "species",
    "feedback": "feedback",
    "in": "ins",
    "up": "ups",
}


def singular(word: str) -> str:
    """Singular of a (lowercase) English noun; irregular plurals come from the lexicon."""
    return lexicon.singular(word)


def plural(word: str) -> str:
    """Plural of a singular snake_case noun (only the last word changes)."""
    head, _, last = word.rpartition("_")
    if last in _IRREGULAR_PLURAL:
        out = _IRREGULAR_PLURAL[last]
    else:
        forms = lemminflect.getInflection(last, "NNS") if last.isalpha() else ()
        out = forms[0] if forms else _rule_plural(last)
    return f"{head}_{out}" if head else out


def _rule_plural(last: str) -> str:
    if last.endswith("y") and len(last) > 1 and last[-2] not in "aeiou":
        return last[:-1] + "ies"
    if last.endswith(("s", "x", "z", "ch", "sh")):
        return last + "es"
    return last + "s"


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

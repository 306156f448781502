"""Name matching shared by checks: entities, tables and API schemas name the same things
in singular, plural, snake_case and PascalCase."""

from __future__ import annotations

import re


def snake(name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def same_thing(a: str, b: str) -> bool:
    """'bookmark' ~ 'bookmarks' ~ 'Bookmark'; 'category' ~ 'categories'."""
    return singular(snake(a)) == singular(snake(b))

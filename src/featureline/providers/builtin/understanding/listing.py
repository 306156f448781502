"""What a request asks of a list: filters ('by status'), search, sort and its order.

Listing asks become list parameters of the entity's collection endpoint; what a list
cannot do (time windows, aggregates) is deferred elsewhere (``beyond``).
"""

from __future__ import annotations

import re

from featureline.providers.builtin.text import singular
from featureline.providers.builtin.understanding.model import Domain, ListingSpec

LIST_VERBS = (
    r"\b(?:list|lists|see|sees|view|browse|browses|read|need|needs|filter|filters|search|"
    r"searches|sort|sorts|find|finds|look)\b"
)
ADJECTIVES = {
    "their",
    "the",
    "all",
    "each",
    "own",
    "published",
    "overdue",
    "upcoming",
    "a",
    "of",
    "list",
    "current",
    "full",
}


def find_listing(domain: Domain, sentence: str) -> None:
    """Listing asks: which entity is listed, by which fields, searched where, in what order."""
    low = sentence.lower().rstrip(".")
    targets: list[str] = []
    for match in re.finditer(LIST_VERBS, low):
        words = re.findall(r"[a-z]+", low[match.end() :])[:5]
        for w in words:
            target = domain.resolve(w) if w not in ADJECTIVES else None
            if target:
                targets.append(target)
                break
    if not targets and re.search(r"\b(filter|search)\b", low):
        targets = [e for e in domain.entities if re.search(rf"\b{e}s?\b", low)][:1]
    for target in targets:
        listing = domain.listings.setdefault(target, ListingSpec())
        if sentence in listing.sources:
            continue
        listing.sources.append(sentence)
        ent = domain.entities[target]
        if "newest first" in low or "most recent" in low:
            listing.newest_first = True
        if "overdue" in low and any(f.name.startswith("due") for f in ent.fields):
            listing.overdue = True
        for m in re.finditer(r"\bby\s+(?:an?\s+|the\s+)?([a-z]+(?:\s+and\s+[a-z]+)?)", low):
            before = re.findall(r"[a-z]+", low[: m.start()])[-3:]
            if {"search", "searched", "sort", "sorted", "order", "ordered"} & set(before):
                continue
            for word in re.split(r"\s+and\s+", m.group(1)):
                name = _filter_name(domain, target, word)
                if name and name not in listing.filters:
                    listing.filters.append(name)
        for m in re.finditer(r"\bper\s+([a-z]+)", low):
            name = _filter_name(domain, target, m.group(1))
            if name and name not in listing.filters:
                listing.filters.append(name)
        for m in re.finditer(
            r"\bsort(?:ed|s)?\s+(?:[a-z]+\s+){0,2}?by\s+([a-z]+(?:\s[a-z]+)?)", low
        ):
            words = m.group(1).split()
            for cand in ("_".join(words), words[0]):
                spec = ent.field_named(cand) or ent.field_named(singular(cand))
                if spec is not None:
                    listing.sorts.append((spec.name, False, sentence))
                    break
        for adjective in re.findall(r"[a-z]+", low):
            spec = ent.field_named(adjective)
            if spec is not None and spec.type == "boolean" and adjective not in listing.filters:
                listing.filters.append(adjective)
        search = re.search(r"\bsearch\s+(?:by\s+)?([a-z ,]+)", low)
        if search:
            for word in re.split(r",|\band\b|\s+", search.group(1)):
                if not word.strip():
                    continue
                for cand in (word.strip(), singular(word.strip())):
                    if ent.field_named(cand) and cand not in listing.search:
                        listing.search.append(cand)
                        break


def _filter_name(domain: Domain, entity: str, word: str) -> str | None:
    """A filterable field or related entity named by 'by <word>'."""
    ent = domain.entities[entity]
    for cand in (word, singular(word)):
        if ent.field_named(cand):
            return cand
    related = domain.resolve(word)
    if related:
        for r in domain.relations:
            if {r.source, r.target} == {entity, related}:
                return related
    return None

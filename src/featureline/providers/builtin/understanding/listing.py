"""What a request asks of a list: filters ('by status'), search, sort and its order.

Listing asks become list parameters of the entity's collection endpoint; what a list
cannot do (time windows, aggregates) is deferred elsewhere (``beyond``).
"""

from __future__ import annotations

import re

from featureline.language.lexicon import FUNCTION_WORDS, is_person
from featureline.language.phrases import noun_phrase, tokens
from featureline.providers.builtin.fields import FieldSpec
from featureline.providers.builtin.text import singular
from featureline.providers.builtin.understanding.model import Domain, EntitySpec, ListingSpec

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


#: words between a list verb and what it lists: "see all of their own bookings"
SKIPPED = ADJECTIVES | {"them", "it", "one", "every", "any", "only", "also", "up", "out", "through"}


def _listed(domain: Domain, after: str, previous: str | None) -> str | None:
    """The entity a list verb acts on: the first noun phrase after it. A phrase naming no
    entity ('list visits of a pass', when visits are not modelled) lists none: reading on
    to a later noun would cite the sentence for the wrong list."""
    toks = tokens(after)[:10]
    k = 0
    while k < len(toks) and (toks[k] in SKIPPED or toks[k].endswith("'s") or toks[k] in "(,"):
        if toks[k] in {"them", "it", "one"} and previous:
            return previous  # "search people by name and filter them by department"
        k += 1
    np = noun_phrase(toks, k)
    if np is None:
        return None
    found = domain.resolve(np.name) or domain.resolve(np.head)
    if found is None and previous and _field(domain.entities[previous], np.words[-1]):
        return previous  # "filter properties by city and search descriptions"
    return found


def find_listing(domain: Domain, sentence: str) -> None:
    """Listing asks: which entity is listed, by which fields, searched where, in what order.

    Each list verb reads only its own part of the sentence (up to the next list verb), so
    'search people by name and filter them by department' searches people, not departments."""
    low = sentence.lower().rstrip(".")
    matches = list(re.finditer(LIST_VERBS, low))
    parts: dict[str, list[str]] = {}
    previous: str | None = None
    for n, match in enumerate(matches):
        end = matches[n + 1].start() if n + 1 < len(matches) else len(low)
        before = re.findall(r"([a-z]+)\s+$", low[: match.start()])  # same clause only
        if before and domain.resolve(before[0]) and not is_person(before[0]):
            continue  # "each section lists dishes with …" defines, it asks for no list
        target = _listed(domain, low[match.end() : end], previous)
        if target:
            parts.setdefault(target, []).append(low[match.start() : end])
            previous = target
    if not parts and re.search(r"\b(filter|search)\b", low):
        for e in [e for e in domain.entities if re.search(rf"\b{e}s?\b", low)][:1]:
            parts[e] = [low]
    for target, segments in parts.items():
        listing = domain.listings.setdefault(target, ListingSpec())
        if sentence in listing.sources:
            continue
        listing.sources.append(sentence)
        for seg in segments:
            _read_segment(domain, target, listing, seg, sentence)


def _read_segment(
    domain: Domain, target: str, listing: ListingSpec, low: str, sentence: str
) -> None:
    ent = domain.entities[target]
    if "newest first" in low or "most recent" in low:
        listing.newest_first = True
    if "overdue" in low and any(f.name.startswith("due") for f in ent.fields):
        listing.overdue = True
    for m in re.finditer(r"\bby\s+(?:an?\s+|the\s+)?([a-z]+(?:\s+and\s+(?!by\b)[a-z]+)?)", low):
        before = re.findall(r"[a-z]+", low[: m.start()])[-3:]
        if {"search", "searched", "sort", "sorted", "order", "ordered"} & set(before):
            continue
        for word in re.split(r"\s+and\s+", m.group(1)):
            after = re.match(r"\s*([a-z]+)", low[low.find(word, m.start()) + len(word) :])
            compound = f"{word}_{after.group(1)}" if after else ""
            name = (_filter_name(domain, target, compound) if compound else None) or (
                _filter_name(domain, target, word)
            )
            if after and after.group(1) in {"range", "ranges", "interval"}:
                domain.defer(  # "by a price range": bounds, which an equality filter is not
                    sentence,
                    f"Filter {target.replace('_', ' ')} by {word} range",
                    "range filters (from/to bounds) are not generated; list filters match "
                    "exact values",
                )
                continue
            if name and name not in listing.filters:
                listing.filters.append(name)
                listing.asked.setdefault(f"filter:{name}", sentence)
            elif name is None and word not in FUNCTION_WORDS:
                # "list orders by status" with no status: say so, never drop it quietly
                said = word
                if after and after.group(1) not in FUNCTION_WORDS:
                    said = f"{word} {after.group(1)}"
                domain.defer(
                    sentence,
                    f"Filter {target.replace('_', ' ')} by {said}",
                    f"\u201c{said}\u201d is neither a field of {target} nor a record it belongs to",
                )
    for m in re.finditer(r"\bper\s+([a-z]+)", low):
        name = _filter_name(domain, target, m.group(1))
        if name and name not in listing.filters:
            listing.filters.append(name)
            listing.asked.setdefault(f"filter:{name}", sentence)
    for m in re.finditer(r"\bsort(?:ed|s)?\s+(?:[a-z]+\s+){0,2}?by\s+([a-z]+(?:\s[a-z]+)?)", low):
        words = m.group(1).split()
        for cand in ("_".join(words), words[0]):
            spec = _field(ent, cand)
            if spec is not None:
                listing.sorts.append((spec.name, False, sentence))
                break
    for adjective in re.findall(r"[a-z]+", low):
        spec = ent.field_named(adjective)
        if spec is not None and spec.type == "boolean" and adjective not in listing.filters:
            listing.filters.append(adjective)
            listing.asked.setdefault(f"filter:{adjective}", sentence)
    search = re.search(r"\bsearch\s+(?:by\s+)?([a-z ,]+)", low)
    if search:
        for word in re.split(r",|\band\b|\s+", search.group(1)):
            spec = _field(ent, word.strip()) if word.strip() else None
            if spec is not None and spec.name not in listing.search:
                listing.search.append(spec.name)
                listing.asked.setdefault("search", sentence)


def _field(ent: EntitySpec, word: str) -> FieldSpec | None:
    """The field a word names: itself, its singular, or the one field ending in it
    ('by name' -> full_name)."""
    for cand in (word, singular(word)):
        spec = ent.field_named(cand)
        if spec is not None:
            return spec
    ending = [f for f in ent.fields if f.name.endswith("_" + word) and f.type != "reference"]
    return ending[0] if len(ending) == 1 else None


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
        for source, target, _ in domain.pending:  # stated earlier, resolved at the end
            if {domain.resolve(source), domain.resolve(target)} == {entity, related}:
                return related
        if related != entity:
            # "contractors list their entries by project": listing entries by project
            # needs each entry to name its project
            domain.add_relation(
                entity, related, "many_to_one", f"each {entity} is for a {related} (listed by it)"
            )
            return related
    return None

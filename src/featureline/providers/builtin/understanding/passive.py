"""Records and fields stated in the passive voice.

- "Soil samples are collected by field technicians": things people make are records.
- "Sites are registered by the lab manager with a name and a region": the same, with fields.
- "Members are allocated plots for a season": people receive things through an act; the
  act names the record ('allocate' -> an allocation of a plot, owned by the member).
- "Each sample is given a barcode and a date, and is taken at a site": fields, then a parent.
- "Finish times are recorded per runner in seconds": a field of the record it is kept for.

Each reader keeps the words it read; a clause it cannot resolve is left to the caller.
"""

from __future__ import annotations

import re

from featureline.language.lexicon import (
    NOMINALISATIONS,
    is_person,
    singular,
    verb_lemma,
)
from featureline.language.phrases import clauses, noun_phrase, tokens
from featureline.providers.builtin.fields import parse_item
from featureline.providers.builtin.understanding.model import Domain, EntitySpec
from featureline.providers.builtin.understanding.records import (
    CREATING_VERBS,
    add_field_list,
    ensure_entity,
    fields_after,
    named_entity,
    parent_after,
)

PASSIVE = re.compile(
    r"^(?:(?:the|all|each|every|an?|our)\s+)?(?P<subject>[a-z][a-z -]*?)\s+"
    r"(?:are|is|get|gets)\s+(?:also\s+|then\s+|first\s+)?(?P<verb>[a-z]+(?:ed|en|t))\b(?P<rest>.*)$"
)
#: a clause that continues the previous subject: "…, and is taken at a site"
CONTINUED = re.compile(r"^(?:are|is)\s+(?:also\s+)?(?P<verb>[a-z]+(?:ed|en|t))\b(?P<rest>.*)$")
AGENT = re.compile(r"\s*\bby\s+(?:the\s+|an?\s+|their\s+|its\s+)?([a-z]+(?:\s[a-z]+)?)")
#: verbs whose passive subject is a record people make ('samples are collected')
MADE = CREATING_VERBS | {"collect", "request", "report", "book", "reserve"}
#: verbs whose passive object is a list of fields: "is given a barcode and a date"
GIVING = frozenset({"give", "assign", "issue"})


def _without_agent(rest: str) -> tuple[str, bool]:
    """The rest of a clause without 'by <people>', and whether people were the agent."""
    m = AGENT.search(rest)
    if m is None or not is_person(m.group(1).split()[-1]):
        return rest, False
    return (rest[: m.start()] + rest[m.end() :]).strip(), True


def read_passive(domain: Domain, sentence: str) -> None:
    """Records, fields and parents stated in the passive (see the module docstring)."""
    last: EntitySpec | None = None
    for clause in clauses(sentence):
        low = clause.lower().strip()
        m = PASSIVE.match(low)
        cont = CONTINUED.match(low) if m is None else None
        if cont is not None and last is not None:
            verb = verb_lemma(cont.group("verb")) or ""
            rest, _ = _without_agent(cont.group("rest"))
            _record_rest(domain, last, verb, rest, sentence)
            continue
        if m is None:
            if last is not None and re.match(r"^(?:an?|the|optional)\s+[a-z ]+$", low):
                add_field_list(domain, last, low, sentence)  # "…, and a collection date"
            continue
        toks = tokens(m.group("subject"))
        np = noun_phrase(toks, 0)
        verb = verb_lemma(m.group("verb")) or ""
        if np is None or np.end != len(toks) or not verb:
            continue
        rest, by_people = _without_agent(m.group("rest"))
        if np.is_person:
            _people_receive(domain, verb, rest, sentence)
            continue
        known = domain.resolve(np.name) or domain.resolve(np.head)
        made = by_people or verb in MADE
        if known is None and not (made and np.plural and np.thing):
            continue
        ent = domain.entities[known] if known else ensure_entity(domain, np, sentence)
        if ent is None:
            continue
        _record_rest(domain, ent, verb, rest, sentence)
        last = ent


def _record_rest(domain: Domain, ent: EntitySpec, verb: str, rest: str, sentence: str) -> None:
    if verb in GIVING and re.match(r"\s*(?:an?|the|its|their)\s", rest):
        add_field_list(domain, ent, rest.strip(), sentence)
        return
    fields_after(domain, ent, rest, sentence)
    parent_after(domain, ent, rest)


def _people_receive(domain: Domain, verb: str, rest: str, sentence: str) -> None:
    """'Members are allocated plots for a season': an allocation of a plot to a member."""
    record_name = NOMINALISATIONS.get(verb)
    toks = tokens(rest)
    obj = noun_phrase(toks, 0)
    if record_name is None or obj is None or not obj.thing:
        return
    thing = ensure_entity(domain, obj, sentence)
    record = named_entity(domain, record_name, verb, sentence)
    if record.owned_by is None:
        record.owned_by, record.ownership_source = "user", sentence
        record.ownership_inferred = True
    if thing is not None:
        domain.add_relation(
            record.name, thing.name, "many_to_one", f"each {record.name} is of a {thing.name}"
        )


KEPT_FOR = re.compile(
    r"^(?:the\s+)?(?P<subject>[a-z][a-z -]*?)\s+(?:are|is)\s+(?:recorded|kept|stored|tracked|"
    r"logged|noted|entered)\s+(?:per|for each|for every|for|on each|on every)\s+"
    r"(?:an?\s+|the\s+|each\s+)?(?P<owner>[a-z]+)(?P<unit>\s+in\s+[a-z]+)?\s*$"
)


def read_kept_fields(domain: Domain, sentence: str) -> None:
    """'Finish times are recorded per runner in seconds': a field of a known record."""
    for clause in clauses(sentence):
        m = KEPT_FOR.match(clause.lower().strip())
        if m is None:
            continue
        owner = domain.resolve(m.group("owner"))
        if owner is None:
            continue
        subject = m.group("subject").split()
        words = " ".join([*subject[:-1], singular(subject[-1])])
        parsed = parse_item(words + (m.group("unit") or ""))
        if parsed is not None and parsed.field is not None:
            domain.entities[owner].add_field(parsed.field)

"""Records stated by what they belong to or whom they are for.

- "Each call for proposals defines its criteria": the criteria are the call's collection.
- "An appointment is for one patient with one dentist at a start time": each party is a
  parent; a person named as a party is a record of its own (which dentist, of the known).
"""

from __future__ import annotations

import re

from featureline.language.lexicon import verb_lemma
from featureline.language.phrases import clauses, noun_phrase, tokens
from featureline.providers.builtin.understanding.model import Domain
from featureline.providers.builtin.understanding.records import (
    ensure_entity,
    fields_after,
    named_entity,
)


def read_owns_its(domain: Domain, sentence: str) -> None:
    """'Each call for proposals defines its criteria': the criteria belong to a call."""
    for clause in clauses(sentence):
        m = re.match(
            r"^(?:each|every|an?|the)\s+([a-z][a-z ]*?)\s+([a-z]+s)\s+(?:its|their)\s+([a-z ]+)$",
            clause.lower(),
        )
        if m is None or m.group(2) in {"has", "is", "does"} or verb_lemma(m.group(2)) is None:
            continue
        owner_np = noun_phrase(tokens(m.group(1)), 0)
        child_np = noun_phrase(tokens(m.group(3)), 0)
        if owner_np is None or child_np is None or not child_np.plural or owner_np.is_person:
            continue
        owner = ensure_entity(domain, owner_np, sentence)
        child = ensure_entity(domain, child_np, sentence)
        if owner is not None and child is not None:
            domain.add_relation(
                child.name,
                owner.name,
                "many_to_one",
                f"each {child.name} belongs to a {owner.name}",
            )


def read_is_for(domain: Domain, sentence: str) -> None:
    """'A reservation is for one study room from a start time to an end time'; 'an
    appointment is for one patient with one dentist': each party is a parent, and a person
    named as a party is a record of its own (which dentist, out of the known ones)."""
    for clause in clauses(sentence):
        m = re.match(r"^(?:an?|each|every|the)\s+([a-z][a-z ]*?)\s+is\s+for\s+(.*)$", clause, re.I)
        if not m:
            continue
        record = domain.resolve(m.group(1).replace(" ", "_")) or domain.resolve(
            m.group(1).split()[-1]
        )
        if record is None:
            # "A session is for one client with one trainer": a record stated by its parties
            subject = noun_phrase(tokens(m.group(1)), 0)
            first = re.match(r"^\s*(?:one|an?|the|a single)\s+([a-z]+)", m.group(2), re.I)
            if subject is None or not subject.thing or first is None:
                continue
            if domain.resolve(first.group(1)) is None:
                continue
            new = ensure_entity(domain, subject, sentence)
            if new is None:
                continue
            record = new.name
        ent = domain.entities[record]
        rest = m.group(2)
        joiner = ""
        while True:
            party = re.match(
                r"^\s*(?:(with|and)\s+)?(one|an?|the|a single)\s+([a-z]+(?:\s[a-z]+)?)", rest, re.I
            )
            if party is None or bool(joiner) != bool(party.group(1)):
                break  # the first party follows 'for', the others 'with' / 'and'
            np = noun_phrase(tokens(party.group(3)), 0)
            if np is None:
                break
            target = domain.resolve(np.name) or domain.resolve(np.head)
            if target is None and np.is_person and joiner:
                target = named_entity(domain, np.name, np.span, sentence).name
            if target is None:
                break
            if target != record:
                domain.add_relation(
                    record, target, "many_to_one", f"each {record} is for a {target}"
                )
            consumed = party.group(0)
            if np.end < len(tokens(party.group(3))):  # "patient with": keep the second word
                consumed = consumed[: consumed.lower().rfind(np.words[-1]) + len(np.words[-1])]
            rest = rest[len(consumed) :]
            joiner = "with"
        fields_after(domain, ent, rest, sentence)

"""Fidelity of access: who may see and change which records, as the request says it.

A service where "employees see only their own claims" lets every employee read every
claim is the silently-wrong outcome the gates exist to stop; so is one that scopes a
patient's "own vaccinations" to the nurse who recorded them, or one where "managers see
all claims" leaves managers seeing only the claims they created. Whoever wrote the
requirements (the builtin or Claude), at the requirements gate:

- ``fidelity.ownership``: a sentence that gives an actor access to "their own" records
  needs those records owned (``owned_by``); when the records name the actor in a field
  ("a shift for an employee"), that field, not whoever created the row, makes a record
  theirs; and a sentence that lets an actor see or change "all"/"any" records that are
  otherwise private needs a rule granting that actor (a role) access.

Only sentences a planned requirement or a rule claims to build are held to this: one cited
only by deferred requirements or open questions is already visibly left undone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from featureline.artifacts import RequirementsArtifact
from featureline.artifacts.requirements import Entity, Rule
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.checks.wording import WORD, covers, lemma, short
from featureline.language.sentences import sentences

OWN = re.compile(r"\b(?:their|his|her|its|my|your|our)\s+own\b", re.IGNORECASE)
#: "the tickets they raised", "bookings that she made": the records someone made are theirs
MADE = re.compile(
    r"\b(?P<object>[a-z]+)\s+(?:that\s+|which\s+)?(?:they|he|she|you)\s+(?:have\s+)?"
    r"(?:[a-z]+ed|made|wrote|sent|took|own|built|began|set\s+up)\b",
    re.IGNORECASE,
)
ALL = re.compile(
    r"\b(?P<verb>see|sees|view|views|list|lists|read|reads|browse|browses|access|accesses|"
    r"manage|manages|edit|edits|change|changes|update|updates|cancel|cancels|delete|deletes|"
    r"remove|removes|close|closes)\s+(?:all|every|any|each)\b(?!\s+(?:of\s+)?(?:their|his|her)\b)",
    re.IGNORECASE,
)
#: words after "own" that name no particular thing: the owned records are the sentence's
GENERIC = frozenset(
    [
        "only",
        "too",
        "as",
        "well",
        "ones",
        "one",
        "record",
        "records",
        "data",
        "entries",
        "entry",
        "items",
        "item",
        "things",
    ]
)
#: words that end the noun phrase after "own" / "all"
PHRASE_END = frozenset(
    [
        "of",
        "for",
        "in",
        "with",
        "at",
        "on",
        "by",
        "from",
        "to",
        "and",
        "or",
        "but",
        "that",
        "which",
        "who",
        "only",
        "too",
    ]
)
CLAUSE = re.compile(r"[;:]|,\s*(?:and|but|while|whereas)\b|\bbut\b|\bwhile\b", re.IGNORECASE)

Access = Literal["own", "all"]


@dataclass(frozen=True)
class AccessClaim:
    """One statement of access in the request: who (the clause's subject) may reach which
    entity's records, their own or all of them."""

    sentence: str
    subject: str
    entity: Entity
    access: Access


@dataclass(frozen=True)
class AccessGap:
    """An access claim the requirements do not honour, and why, in words."""

    claim: AccessClaim
    problem: str
    #: the reference field that names the actor a record is for, when that is the problem
    field: str | None = None


def _heads(entity: Entity) -> set[str]:
    """The words that name an entity in prose: its name's last word ('parking_space' ->
    'space') and the whole name, as lemmas."""
    parts = [p for p in entity.name.lower().split("_") if p]
    return {lemma(parts[-1]), lemma("".join(parts))} if parts else set()


def _first_entity(words: Sequence[str], entities: Sequence[Entity]) -> Entity | None:
    for word in words:
        for entity in entities:
            if lemma(word) in _heads(entity):
                return entity
    return None


def _noun_phrase(words: list[str]) -> list[str]:
    """The (at most three) words of the noun phrase that opens ``words``."""
    phrase: list[str] = []
    for word in words[:3]:
        if word in PHRASE_END:
            break
        phrase.append(word)
    return phrase


def _object(after: list[str], sentence: str, entities: Sequence[Entity]) -> Entity | None:
    """What "their own X" / "all X" is about: X when it names an entity (its head is
    last); the sentence's first entity when X is elided or generic ("employees see only
    their own"); nothing when X names something else ("their own tenant" is scoping of
    another kind)."""
    if after and after[0] not in GENERIC:
        return _first_entity(list(reversed(_noun_phrase(after))), entities)
    return _first_entity(WORD.findall(sentence.lower()), entities)


def access_claims(text: str, entities: Sequence[Entity]) -> list[AccessClaim]:
    """Every "their own X", "the Xs they made" and "see all / cancel any X" of the text,
    with X resolved to an entity and the clause's first word as the actor."""
    claims: list[AccessClaim] = []
    for sentence in sentences(text):
        for clause in CLAUSE.split(sentence):
            for access, pattern in (("own", OWN), ("all", ALL), ("own", MADE)):
                match = pattern.search(clause)
                if match is None:
                    continue
                if pattern is MADE:
                    entity = _first_entity([match.group("object")], entities)
                else:
                    after = WORD.findall(clause[match.end() :].lower())
                    entity = _object(after, sentence, entities)
                before = WORD.findall(clause[: match.start()].lower())
                if entity is not None and before:
                    claims.append(AccessClaim(sentence, lemma(before[0]), entity, access))  # type: ignore[arg-type]
    return claims


def named_owner_field(subject: str, entity: Entity) -> str | None:
    """The reference field that names the actor a record is for ('employee' on a shift
    "for employees"), which makes a record an actor's own more than its creator does."""
    return next(
        (
            f.name
            for f in entity.fields
            if f.type == "reference" and lemma(f.name.split("_")[0]) == subject
        ),
        None,
    )


def _grants(rules: Sequence[Rule], entity: str, subject: str) -> bool:
    """Whether a rule lets the actor reach every row of the entity: a role it names, or
    rows shared with everyone."""
    return any(
        r.entity == entity
        and (r.kind == "shared" or any(lemma(role) == subject for role in r.roles))
        for r in rules
    )


def access_gaps(
    text: str, entities: Sequence[Entity], rules: Sequence[Rule] = ()
) -> list[AccessGap]:
    """The access claims of the request that these entities and rules do not honour."""
    gaps: list[AccessGap] = []
    for claim in access_claims(text, entities):
        entity = claim.entity
        if claim.access == "all":
            if entity.owned_by is not None and not _grants(rules, entity.name, claim.subject):
                gaps.append(
                    AccessGap(
                        claim,
                        f"{entity.name} rows are visible only to their owner and no rule lets "
                        f"{claim.subject}s reach the others' (a role that sees every row goes "
                        "in a rule)",
                    )
                )
            continue
        field = named_owner_field(claim.subject, entity)
        if entity.owned_by is None:
            gaps.append(
                AccessGap(
                    claim,
                    f"{entity.name} has no owner (owned_by), so every user would read every "
                    "one: make it owned and restrict it to its owner",
                    field,
                )
            )
        elif field and lemma(entity.owned_by.split("_")[0]) != claim.subject:
            gaps.append(
                AccessGap(
                    claim,
                    f"a {claim.subject}'s own {entity.name} records are the ones whose {field} "
                    f"is them, but {entity.name} is owned by {entity.owned_by} (whoever "
                    f"creates the row), so a {claim.subject} would not see them",
                    field,
                )
            )
    return gaps


def _acted_on(artifact: RequirementsArtifact, sentence: str) -> bool:
    """Whether a planned requirement or a rule claims to build the sentence (an ``other``
    rule is words only: its requirements are deferred). A requirement cites by its quote of
    the request, and the two must cover each other: its description, or a longer sentence
    sharing a few words, may be about something else."""
    cites = [f.source for f in artifact.functional if f.status == "planned" and f.source]
    cites += [r.source or r.description for r in artifact.rules if r.kind != "other"]
    return any(covers(c, sentence) and covers(sentence, c) for c in cites)


@check("requirements", "fidelity.ownership")
def access_as_asked(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    return [
        finding(
            "fidelity.ownership",
            f"entity {gap.claim.entity.name}",
            f"\u201c{short(gap.claim.sentence)}\u201d: {gap.problem}; or defer what cites "
            "the sentence",
        )
        for gap in access_gaps(context.request.text, artifact.entities, artifact.rules)
        if _acted_on(artifact, gap.claim.sentence)
    ]

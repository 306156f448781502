"""The builtin's own fidelity pass: a sentence it plans work for must not name things it
did not model.

Readers recognise phrasings; an unseen phrasing can leave a noun of a sentence unread
while another reader still plans work for that sentence ("Receptionists manage dentist
appointments" -> appointments, but no dentist). Rather than serve such a sentence
silently, the builtin lists the nouns it did not model and defers that part, visibly.
"""

from __future__ import annotations

from collections.abc import Iterable

from featureline.artifacts.requirements import Entity, Rule
from featureline.language.lexicon import (
    ACTION_VERBS,
    NOT_ENTITIES,
    is_person,
    lemmas,
    singular,
    verb_lemma,
)
from featureline.language.phrases import (
    PORTIONS,
    NounPhrase,
    noun_phrase,
    tokens,
)

#: nouns of scene-setting, quantities and time that name nothing to store
SCENE_WORDS = frozenset(
    [
        "app",
        "service",
        "system",
        "feature",
        "request",
        "user",
        "users",
        "people",
        "person",
        "company",
        "companies",
        "team",
        "teams",
        "club",
        "clubs",
        "city",
        "cities",
        "shop",
        "shops",
        "business",
        "data",
        "information",
        "way",
        "ways",
        "thing",
        "things",
        "moment",
        "moments",
        "time",
        "times",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "minute",
        "minutes",
        "second",
        "seconds",
        "date",
        "dates",
        "click",
        "clicks",
        "browser",
        "script",
        "scripts",
        "input",
        "output",
        "percentile",
        "list",
        "lists",
        "part",
        "parts",
        "lot",
        "lots",
        "number",
        "numbers",
        "kind",
        "kinds",
        "type",
        "types",
        "one",
        "ones",
        "place",
        "places",
        "anything",
        "everything",
        "something",
        "nothing",
        "detail",
        "details",
        "end",
        "start",
    ]
)


def modelled_words(actors: Iterable[str], entities: list[Entity], rules: list[Rule]) -> set[str]:
    """Singular words a sentence may use for what the requirements model."""
    names: list[str] = list(actors)
    for ent in entities:
        names.append(ent.name)
        for f in ent.fields:
            names += [f.name, *f.enum_values]
    for r in rules:
        names += r.fields + r.scope + r.roles
    out: set[str] = set()
    for name in names:
        out.add(name.lower().replace("-", "_"))
        for word in name.replace("_", " ").replace("-", " ").lower().split():
            out.add(singular(word))
    return out


def unmodelled(sentence: str, modelled: set[str]) -> list[str]:
    """Plural nouns and acted-on nouns of ``sentence`` that name no modelled thing."""
    toks = tokens(sentence)
    out: list[str] = []
    i = 0
    while i < len(toks):
        np = noun_phrase(toks, i)
        if np is None:
            i += 1
            continue
        bare_object = _bare_object(toks, np)
        i = max(np.end, i + 1)
        named = _names_a_record(np) or bare_object
        if named and not _known(np, modelled) and np.span not in out:
            out.append(np.span)
    return out


def _bare_object(toks: list[str], np: NounPhrase) -> bool:
    """A singular noun with no article right after a verb people do: 'tracks attendance',
    'records feedback' name something kept even though they are not plural."""
    if np.determiner or np.plural or np.start == 0 or len(np.words) > 2:
        return False
    # the lexicon reads 'tracks attendance' as one phrase: its first word is then the verb
    verb_word = np.words[0] if len(np.words) == 2 else toks[np.start - 1]
    verb = verb_lemma(verb_word)
    head = np.words[-1]
    if verb is None or verb not in ACTION_VERBS or head in SCENE_WORDS or head in NOT_ENTITIES:
        return False
    found = lemmas(head)
    return "NOUN" in found and "VERB" not in found and not np.is_person


def _names_a_record(np: NounPhrase) -> bool:
    head = np.words[-1]
    if len(np.words) >= 2 and "VERB" in lemmas(head) and "NOUN" in lemmas(np.words[-2]):
        return False  # "each warehouse holds": a singular subject and its verb
    if head in SCENE_WORDS or np.head in SCENE_WORDS or np.head in NOT_ENTITIES:
        return False
    if head in PORTIONS or np.is_person or not np.plural:
        return False
    return "NOUN" in lemmas(head) or not lemmas(head)


def _known(np: NounPhrase, modelled: set[str]) -> bool:
    """The head is modelled, and so is any person the phrase is about ('dentist
    appointments' needs dentists as well as appointments)."""
    head = np.head.replace("-", "_")
    if head not in modelled and head.rsplit("_", 1)[-1] not in modelled:
        return False
    return all(singular(w) in modelled for w in np.words[:-1] if is_person(w))

"""Who uses the service: the people that sentences have act ("Recruiters move …").

A role is the subject of an active clause whose head noun names a person ("team members",
"sales reps", "pet owners"), or a person named in 'only X can …'. 'Anyone with an API key'
is an API client. Names are the head noun, singular ("team members" -> member).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from featureline.language.lexicon import (
    ACTION_VERBS,
    FUNCTION_WORDS,
    can_be_noun,
    is_person,
    lemmas,
    singular,
    verb_lemma,
)

DESCRIPTIONS: dict[str, str] = {
    "user": "a signed-in person using the service",
    "api_client": "a caller authenticated with an API key",
}
ALIASES = {"administrator": "admin", "organizer": "organiser", "people": "person"}


def _role(word: str) -> str:
    w = singular(word.lower())
    return ALIASES.get(w, w)


def find_actors(sentences: list[str], text: str) -> dict[str, str]:
    found: dict[str, str] = {}

    def add(word: str) -> None:
        name = _role(word)
        if name not in found and len(name) > 1:
            article = "an" if name[0] in "aeiou" else "a"
            found[name] = DESCRIPTIONS.get(
                name, f"{article} {name.replace('_', ' ')} of the service"
            )

    for sentence in sentences:
        for clause in re.split(r";|,\s+(?:and|but)\s+|\.\s", sentence):
            words = re.findall(r"[a-z]+(?:-[a-z]+)?", clause.lower())
            _subject_role(words, add)
        for m in re.finditer(
            r"\bonly\s+(?:the\s+)?(?:([a-z]+)\s+)?([a-z]+)\s+(?:can|may)\s+(?!be\b)([a-z]+)",
            sentence.lower(),
        ):
            _only_role(m.group(1), m.group(2), m.group(3), add)
        # the agent of a passive: "Samples are collected by field technicians"
        for m in re.finditer(
            r"\b(?:are|is)\s+[a-z]+(?:ed|en|t)\b[^.;]*?\bby\s+(?:the\s+|an?\s+)?"
            r"([a-z]+)(?:\s+([a-z]+))?",
            sentence.lower(),
        ):
            people = [w for w in m.groups() if w and is_person(w)]
            if people:
                add(people[-1])
    lowered = text.lower()
    if "api key" in lowered:
        found.setdefault("api_client", DESCRIPTIONS["api_client"])
    if ("signed-in" in lowered or "signed in" in lowered) and not found:
        found.setdefault("user", DESCRIPTIONS["user"])
    return dict(sorted(found.items()))


def _only_role(modifier: str | None, head: str, verb: str, add: Callable[[str], None]) -> None:
    """'Only receptionists can cancel …' names a role; so does 'only panel chairs may open
    …' or 'only the league office can create …' (whoever alone may act is a role, even
    when the lexicon does not know the noun for a person)."""
    if is_person(head):
        add(head)
        return
    if verb_lemma(verb) not in ACTION_VERBS or not can_be_noun(head):
        return
    if modifier and modifier not in FUNCTION_WORDS and can_be_noun(modifier):
        add(f"{modifier}_{singular(head)}")


def _subject_role(words: list[str], add: object) -> None:
    """The person heading a clause's subject, when a verb (or modal) follows it."""
    i = 0
    while i < len(words) and words[i] in {
        "a",
        "an",
        "the",
        "each",
        "every",
        "only",
        "other",
        "all",
        "any",
    }:
        i += 1
    j = i
    while j < len(words) and j - i < 3 and words[j] not in FUNCTION_WORDS:
        found = lemmas(words[j])
        if found and "NOUN" not in found:
            break
        following = words[j + 1] if j + 1 < len(words) else ""
        if (
            j > i
            and "VERB" in found
            and is_person(words[j - 1])
            and following not in {"has", "have", "is", "are", "can", "may", "must"}
        ):
            break  # "Editors list subscriptions": the verb after a person ends the subject
        j += 1
    if j == i or j >= len(words):
        return
    head = words[j - 1]
    nxt = words[j]
    verbish = nxt in {"can", "may", "must", "should", "will", "need", "needs", "only", "also"}
    being = {"has", "have", "is", "are", "was", "were", "belong", "belongs", "get", "gets"}
    verbish = verbish or ("VERB" in lemmas(nxt) and nxt not in being)
    if verbish and is_person(head) and callable(add):
        add(head)

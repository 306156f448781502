"""Noun phrases and clauses of one sentence, read with the lexicon instead of a tagger.

A noun phrase is what follows a determiner or a verb: modifiers that can be nouns, then a
head noun ("meeting rooms", "line items", "job openings"); adjectives are dropped from the
name ("hot desks" -> desk). The reader is deliberately small: it never guesses a phrase
whose words the lexicon says cannot be nouns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from featureline.language.lexicon import (
    FUNCTION_WORDS,
    NEEDS_MODIFIER,
    NOT_ENTITIES,
    can_be_noun,
    is_person,
    lemmas,
    singular,
    words,
)

DETERMINERS = frozenset(
    words(
        """
        a an the their its his her our your my each every any some all several many multiple
            new own other another one more two three both either that this these those
        """
    )
)
PREPOSITIONS = frozenset(
    words(
        """
        of for to in on at by with from into onto about between among per via through
            against without within towards toward like after before until during across
        """
    )
)
#: words that take the place of a record's parent: "reserve a spot in a class"
PORTIONS = frozenset({"spot", "spots", "place", "places", "seat", "seats", "share", "shares"})
#: nouns for things that happen at a time: booked as themselves, not as their resource
EVENT_NOUNS = frozenset(
    words(
        """
        appointment stay trip visit lesson session shift ride tour consultation interview
            meeting reservation booking rental loan
        """
    )
)

TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[,;:()]")


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text.lower())


@dataclass(frozen=True)
class NounPhrase:
    """A noun phrase: the words as written, the entity-style name and the head noun."""

    words: tuple[str, ...]
    start: int
    end: int
    determiner: str = ""

    @property
    def head(self) -> str:
        return singular(self.words[-1])

    @property
    def name(self) -> str:
        """'meeting rooms' -> 'meeting_room'; at most two words, adjectives dropped."""
        kept = [w for w in self.words[:-1] if _modifier_noun(w)][-1:]
        return "_".join([*kept, self.head])

    @property
    def span(self) -> str:
        return " ".join(self.words)

    @property
    def plural(self) -> bool:
        last = self.words[-1]
        return singular(last) != last

    @property
    def is_person(self) -> bool:
        return is_person(self.words[-1])

    @property
    def thing(self) -> bool:
        """Whether it can name a collection of records (not a unit, time or pronoun)."""
        head = self.head
        modifiers = [w for w in self.words[:-1] if _modifier_noun(w)]
        if head in NEEDS_MODIFIER and (not modifiers or modifiers[-1] in NOT_ENTITIES):
            return False
        return (
            len(head) > 1
            and head not in NOT_ENTITIES
            and self.words[-1] not in NOT_ENTITIES
            and not self.is_person
            and can_be_noun(self.words[-1])
        )


def _modifier_noun(word: str) -> bool:
    found = lemmas(word)
    if word.endswith("ing") and "VERB" in found and "ADJ" not in found:
        return True  # 'parking permits', 'meeting rooms'
    if not found:
        return word not in FUNCTION_WORDS and word.isalpha()
    return "NOUN" in found and "ADJ" not in found and not is_person(word)


def noun_phrase(toks: list[str], i: int) -> NounPhrase | None:
    """The noun phrase starting at token ``i`` (after skipping determiners), if any."""
    det = ""
    while i < len(toks) and (toks[i] in DETERMINERS or (toks[i] == "or" and det)):
        det = det or toks[i]
        i += 1
    start = i
    words: list[str] = []
    while i < len(toks) and len(words) < 4:
        w = toks[i]
        if w in FUNCTION_WORDS or w in PREPOSITIONS or not re.fullmatch(r"[a-z][a-z0-9-]*", w):
            break
        found = lemmas(w)
        if words and "VERB" in found and is_person(words[-1]) and singular(words[-1]) != words[-1]:
            break  # "visitors browse albums": the verb after a person ends the phrase
        gerund = w.endswith("ing") and i + 1 < len(toks) and can_be_noun(toks[i + 1])
        if found and "NOUN" not in found and "ADJ" not in found and not gerund:
            break  # a verb ('earns', 'sees') ends the phrase
        words.append(w)
        i += 1
    while words and not can_be_noun(words[-1]):
        words.pop()
        i -= 1
    if not words:
        return None
    return NounPhrase(tuple(words), start, i, det)


def clauses(sentence: str) -> list[str]:
    """Split a sentence into clauses at semicolons and ', and'/', but' joins."""
    parts = re.split(r";\s*|,\s+(?:and|but|so)\s+(?=[a-z])", sentence.rstrip("."))
    return [p.strip() for p in parts if p.strip()]


def after(toks: list[str], i: int, words: set[str]) -> int | None:
    """Index just past the first token at or after ``i`` that is one of ``words``."""
    for j in range(i, len(toks)):
        if toks[j] in words:
            return j + 1
    return None

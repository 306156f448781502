"""Compare request wording with artifact wording the way a reader would: by lemmas.

Claude paraphrases ("Team members reserve rooms" cited as "members can book a room");
the builtin quotes. Both are compared as sets of content lemmas (lowercase, singular
nouns, base verbs, function words dropped), so a faithful paraphrase matches and an
invented citation does not.
"""

from __future__ import annotations

import re
from functools import lru_cache

from featureline.language.lexicon import FUNCTION_WORDS, lemmas

WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=8192)
def lemma(word: str) -> str:
    """One base form per word: the noun lemma if there is one, else the verb's."""
    found = lemmas(word)
    for pos in ("NOUN", "VERB", "ADJ", "ADV"):
        if pos in found:
            return found[pos][0]
    if word.endswith("s") and len(word) > 3 and not word.endswith("ss"):
        return word[:-1]
    return word


def content(text: str) -> list[str]:
    """The content lemmas of a text, in order."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text).replace("_", " ").replace("-", " ")
    return [
        lemma(w)
        for w in WORD.findall(spaced.lower())
        if w not in FUNCTION_WORDS and (len(w) > 1 or w.isdigit())
    ]


def stem(word: str) -> str:
    """A short stem that joins derivations ('book'/'booking', 'enrol'/'enrolment')."""
    return word[:4] if len(word) > 4 else word


def covers(citation: str, sentence: str, threshold: float = 0.6) -> bool:
    """Whether ``citation`` cites ``sentence``: most of the sentence's content lemmas are in
    it, or (a partial quote) most of the citation's lemmas are in the sentence."""
    cited, said = set(content(citation)), set(content(sentence))
    if not cited or not said:
        return False
    shared = len(cited & said)
    if shared >= threshold * len(said):
        return True
    return len(cited) >= 3 and shared >= 0.8 * len(cited) and shared >= 0.3 * len(said)


def within(citation: str, sentence: str) -> bool:
    """Whether ``citation`` quotes part of ``sentence`` (its words are nearly all there)."""
    cited, said = set(content(citation)), set(content(sentence))
    return len(cited) >= 2 and len(cited & said) >= 0.8 * len(cited)


def grounded(text: str, request_lemmas: set[str], request_stems: set[str]) -> bool:
    """Whether most content words of ``text`` occur in the request (as lemmas or stems)."""
    words = content(text)
    if not words:
        return True  # no content word: it claims nothing that could be missing
    found = sum(1 for w in words if w in request_lemmas or stem(w) in request_stems)
    return found >= 0.6 * len(words)


def short(text: str, limit: int = 90) -> str:
    """A one-line quote of ``text`` for a finding, cut with an ellipsis at ``limit``."""
    one = " ".join(text.split())
    return one if len(one) <= limit else one[: limit - 1] + "\u2026"

"""Word knowledge: lemmas, which words can be nouns, people, verbs that create records.

Lemmas and parts of speech come from ``lemminflect`` (its tables ship in the package, so
nothing is downloaded at run time). The closed lists here are English function words and
derivations a lemmatiser cannot give ("book" -> "booking"); none names a sample's domain.
"""

from __future__ import annotations

import re
from functools import lru_cache

import lemminflect


def words(text: str) -> list[str]:
    """The words of a whitespace-separated list (keeps long word lists readable)."""
    return text.split()


#: function words, quantifiers and pronouns: never the head of a noun phrase
FUNCTION_WORDS = frozenset(
    words(
        """
        a an the this that these those each every any all some no its their his her our your
            my own other others another one ones it they them he she we you i who whom which
            what whose and or but nor of for to in on at by with from into onto about as than
            then so if when while until before after during per via up down out over under
            between among across can could may might must should shall will would do does did is
            are was were be been being has have had not never only also just still even once
            twice both either neither many much several few more most less least such same there
            here where how why very
        """
    )
)
#: verbs that say what a person does with a record of the service
ACTION_VERBS = frozenset(
    words(
        """
        add create record log post publish submit save write file register enter upload
            raise book reserve rent borrow order buy purchase rate review vote apply subscribe
            enrol enroll join schedule allocate assign list browse see view read search filter
            sort find look edit update change modify delete remove cancel close approve reject
            accept move mark pin track manage keep share send offer sell open run lend return
            grade score comment message reply invite issue take place make organise organize
            plan store bookmark favourite favorite follow like star tag label check sign hand
        """
    )
)
#: verbs whose record is named after the act: "book a room" creates a booking
NOMINALISATIONS: dict[str, str] = {
    "book": "booking",
    "reserve": "reservation",
    "rent": "rental",
    "rate": "rating",
    "review": "review",
    "vote": "vote",
    "apply": "application",
    "subscribe": "subscription",
    "enrol": "enrolment",
    "enroll": "enrollment",
    "borrow": "loan",
    "allocate": "allocation",
    "comment": "comment",
    "score": "score",
    "donate": "donation",
    "bid": "bid",
    "attend": "attendance",
    "sign up": "sign_up",
    "check in": "check_in",
    "follow": "follow",
    "attempt": "attempt",
}
#: roles that hold privileges over others: what they alone do is reserved to them
PRIVILEGED_ROLES = frozenset(
    words(
        """
        admin administrator moderator manager maintainer supervisor secretary coordinator
            receptionist librarian organiser organizer owner editor reviewer recruiter warden
            host technician teacher lecturer
        """
    )
)
#: nouns for people that carry no agent suffix
PERSON_WORDS = frozenset(
    words(
        """
        user admin staff member guest student patient customer people person team client
            candidate resident volunteer fan cook vet chef doctor nurse dentist agent rep parent
            child athlete tenant employee contractor freelancer developer listener speaker
            attendee applicant traveller traveler passenger driver rider farmer gardener buyer
            seller host manager reader author writer editor owner visitor subscriber operator
            mechanic researcher respondent teacher lecturer instructor coach player promoter
            organiser organizer receptionist technician warden secretary coordinator librarian
            moderator administrator maintainer reviewer recruiter cashier waiter podcaster
            patron friend colleague neighbour neighbor partner participant
        """
    )
)
#: nouns that are never records of their own: units, times, quantities, abstractions
NOT_ENTITIES = frozenset(
    words(
        """
        time times day days week weeks month months year years hour hours minute minutes
            second seconds date dates moment way thing things information number
            numbers amount amounts value values kind kinds type types part parts set sets lot
            lots rest first last one ones anything everything something nothing percentile least
            most it them everyone anyone
        """
    )
)
#: heads that name a record only with a modifier that is not about time ("delivery slot")
NEEDS_MODIFIER = frozenset(
    {"slot", "window", "period", "range", "data", "item", "detail", "list", "lists"}
)
IRREGULAR_SINGULAR = {
    "people": "person",
    "staff": "staff",
    "data": "data",
    "media": "media",
    "news": "news",
    "series": "series",
    "species": "species",
    "status": "status",
    "equipment": "equipment",
    "criteria": "criterion",
    "feedback": "feedback",
}


@lru_cache(maxsize=4096)
def lemmas(word: str) -> dict[str, tuple[str, ...]]:
    """Part of speech -> lemmas for one lowercase word (empty when the tables lack it)."""
    found: dict[str, tuple[str, ...]] = lemminflect.getAllLemmas(word)
    return dict(found)


def singular(word: str) -> str:
    """Singular of a lowercase noun (only the last word of a snake_case name changes)."""
    head, sep, last = word.lower().rpartition("_")
    if last in IRREGULAR_SINGULAR:
        one = IRREGULAR_SINGULAR[last]
    elif "NOUN" in lemmas(last):
        one = lemmas(last)["NOUN"][0]
    else:
        one = _rule_singular(last)
    return f"{head}{sep}{one}"


def _rule_singular(w: str) -> str:
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("sses", "ches", "shes", "xes", "zes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


def is_plural(word: str) -> bool:
    w = word.lower()
    return singular(w) != w and w not in IRREGULAR_SINGULAR.values()


def can_be_noun(word: str) -> bool:
    """Whether a word may head a noun phrase: a known noun, or a word the tables lack that
    is no function word (new coinages: 'admins', 'signups')."""
    w = word.lower()
    if w in FUNCTION_WORDS or not re.fullmatch(r"[a-z][a-z0-9-]*", w):
        return False
    found = lemmas(w)
    return "NOUN" in found or not found


def only_verb(word: str) -> bool:
    """A word that is a verb and nothing else ('publish', 'registered')."""
    found = lemmas(word.lower())
    return bool(found) and "NOUN" not in found and ("VERB" in found or "ADJ" in found)


def pure_verb(word: str) -> bool:
    """A word that is only a verb ('choose'), not also a noun or an adjective ('correct')."""
    found = lemmas(word.lower())
    return bool(found) and set(found) <= {"VERB", "ADV"} and "VERB" in found


def verb_lemma(word: str) -> str | None:
    found = lemmas(word.lower())
    verbs = found.get("VERB")
    return verbs[0] if verbs else None


def is_person(word: str) -> bool:
    """A noun for a person: a known person word, an -ist/-ian, or an agent noun whose stem
    is a verb ('recruiter' from 'recruit') and that is not a verb itself ('order')."""
    w = singular(word.lower())
    if w in PERSON_WORDS:
        return True
    if w in NOT_PERSONS or len(w) < 5:
        return False
    if re.search(r"(?:ist|ian)$", w):
        return True
    if not re.search(r"(?:er|or)$", w) or "VERB" in lemmas(w):
        return False
    stem = w[:-2]
    return any(
        "VERB" in lemmas(s)
        for s in (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem)
    )


#: agent-shaped nouns that are things, not people
NOT_PERSONS = frozenset(
    words(
        """
        order number letter water paper folder timer sensor monitor register counter
            computer server browser filter parameter meter printer container trailer poster
            sticker banner calendar error answer chapter character center centre quarter winter
            summer corner identifier indicator calculator elevator tractor vendor component
            content student document element event agreement equipment payment department
            apartment appointment statement comment moment amount account assignment enrolment
            enrollment shipment treatment instrument attachment segment tournament parent
            percent
        """
    )
) - {"student", "parent", "vendor"}

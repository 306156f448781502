"""What a requirement says it does: the operation its verb names, the records it acts on and
the fields it qualifies them by ("Filter tasks by status" -> filter, task, status).

The fidelity checks compare this reading with the sentence a requirement cites and with the
operations that serve it. A title whose verb is unknown or ambiguous reads as nothing (no
check can judge it), never as a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from featureline.checks.wording import lemma
from featureline.language.lexicon import lemmas, pure_verb, verb_lemma
from featureline.language.phrases import DETERMINERS, noun_phrase, tokens

#: verb lemma -> the operation class it asks for
OPERATIONS: dict[str, str] = {
    "create": "create", "add": "create", "record": "create", "submit": "create",
    "post": "create", "register": "create", "book": "create", "store": "create",
    "save": "create", "log": "create", "publish": "create", "upload": "create",
    "write": "create", "enter": "create", "reserve": "create", "rent": "create",
    "borrow": "create", "buy": "create", "purchase": "create", "place": "create",
    "file": "create", "raise": "create", "apply": "create", "subscribe": "create",
    "enrol": "create", "enroll": "create", "join": "create", "rate": "create",
    "review": "create", "comment": "create", "vote": "create", "invite": "create",
    "list": "list", "browse": "list", "view": "list", "see": "list", "show": "list",
    "display": "list",
    "get": "get", "read": "get", "fetch": "get",
    "filter": "filter", "search": "search", "find": "search", "look": "search",
    "sort": "sort", "rank": "sort",
    "aggregate": "aggregate", "count": "aggregate", "total": "aggregate",
    "sum": "aggregate", "average": "aggregate", "summarise": "aggregate",
    "summarize": "aggregate", "tally": "aggregate",
    "update": "update", "edit": "update", "change": "update", "rename": "update",
    "modify": "update", "correct": "update", "renew": "update", "reschedule": "update",
    "delete": "delete", "remove": "delete", "withdraw": "delete",
    "archive": "transition", "mark": "transition", "move": "transition",
    "approve": "transition", "reject": "transition", "moderate": "transition",
    "cancel": "transition", "close": "transition", "reopen": "transition",
    "confirm": "transition", "transition": "transition", "disable": "transition",
    "enable": "transition", "accept": "transition", "decline": "transition",
    "assign": "transition", "complete": "transition",
    "unsubscribe": "transition", "resolve": "transition", "ship": "transition",
}  # fmt: skip
#: verbs whose class depends on the words around them: 'order meals' creates, 'order
#: tasks by date' sorts; 'report a bug' creates, 'report spending' aggregates
AMBIGUOUS = frozenset({"order", "report"})
#: words skipped between a verb and what it acts on ('search for tickets', 'list all')
SKIPPED = frozenset({"for", "to", "in", "on", "up", "through", "only", "just", "also", "all"})
QUALIFIERS = frozenset({"by", "per"})
#: nouns that hold the records a verb acts on: 'see the list of bookings'
CONTAINERS = frozenset({"list", "lists", "number", "count", "history", "set", "queue", "total"})
#: an ordering said without a verb: 'newest first', 'sorted by date'
ORDERING = re.compile(
    r"\b(?:newest|oldest|latest|earliest|cheapest|dearest|highest|lowest|most recent|"
    r"alphabetical(?:ly)?)\b(?:\s+\w+)?\s+first\b|\b(?:sort|order)(?:ed|s)?\s+by\b|"
    r"\bin\s+(?:alphabetical|chronological|reverse)\b"
)


@dataclass(frozen=True)
class Action:
    """A requirement's verb (lemma), its operation class, the head lemmas of the records it
    acts on and the lemmas it qualifies them by ('by status', 'per room')."""

    verb: str
    operation: str
    objects: tuple[str, ...]
    qualifiers: tuple[str, ...]


def operation_of(verb: str, toks: list[str], i: int) -> str | None:
    """The operation class of the verb at ``toks[i]`` (``None``: unknown or ambiguous)."""
    if verb == "order":
        return "sort" if "by" in toks[i + 1 :] else None
    if verb in AMBIGUOUS:
        return None
    return OPERATIONS.get(verb)


def read_action(title: str) -> Action | None:
    """The first verb of ``title`` that names an operation, with what it acts on. A label
    before a colon ('Aggregate: people see their streaks') and a word cut short by an
    ellipsis are not read."""
    title = re.sub(r"^[^:]{1,30}:\s+", "", title.strip())
    if title.endswith("\u2026"):
        title = title.rstrip("\u2026").rsplit(" ", 1)[0]
    toks = tokens(title)
    for i, tok in enumerate(toks):
        if (
            i > 0
            and toks[i - 1] in COPULAS
            and operation_of(verb_lemma(tok) or "", toks, i)
            not in {
                "filter",
                "search",
                "sort",
            }
        ):
            return None  # 'a list is open, picked or shipped' states; it does nothing
        verb = verb_lemma(tok)
        if verb is None or (i > 0 and toks[i - 1] in DETERMINERS) or _noun_form(toks, i):
            continue
        operation = operation_of(verb, toks, i)
        imperative = i == 0 and not re.search(r"(?:ing|s|ed)$", tok)
        if operation is None:
            if imperative or pure_verb(tok):
                return None  # the title's own verb ('Restrict', 'Treat') names no operation
            continue
        return Action(verb, operation, _objects(toks, i + 1), _qualifiers(toks, i + 1))
    return None


ORDER_VERBS = frozenset({"sort", "order", "rank", "group"})
COPULAS = frozenset({"is", "are", "was", "were", "be", "been", "being"})
#: words after a subject: 'a picking list is open' names a list, it does not list
SUBJECT_NEXT = frozenset(
    {"is", "are", "was", "were", "has", "have", "can", "must", "may", "should", "will"}
)


def _noun_form(toks: list[str], i: int) -> bool:
    """'Booking creation', 'Books have a title', 'a picking list is open': a gerund, a
    plural subject or a subject noun, not a verb."""
    tok = toks[i]
    if "NOUN" not in lemmas(tok):
        return False
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return tok.endswith("ing") or (i == 0 and tok.endswith("s")) or after in SUBJECT_NEXT


def _objects(toks: list[str], j: int) -> tuple[str, ...]:
    # 'approve or reject comments': a second verb before the object
    while j < len(toks) and (toks[j] in SKIPPED or toks[j] in {"or", "and", ","}):
        j += 1
        if j < len(toks) and verb_lemma(toks[j]) in OPERATIONS and toks[j - 1] in {"or", "and"}:
            j += 1
    heads: list[str] = []
    np = noun_phrase(toks, j)
    if np is not None and np.words[-1] in CONTAINERS and toks[np.end : np.end + 1] == ["of"]:
        np = noun_phrase(toks, np.end + 1)  # 'the list of bookings' acts on bookings
    while np is not None:
        if not np.is_person:  # 'invite members': people are roles, not records
            heads.append(lemma(np.words[-1]))
        more = np.end < len(toks) - 1 and toks[np.end] in {"and", "or", ","}
        np = noun_phrase(toks, np.end + 1) if more else None
    return tuple(heads)


def _qualifiers(toks: list[str], j: int) -> tuple[str, ...]:
    out: list[str] = []
    for k in range(j, len(toks)):
        if toks[k] not in QUALIFIERS or (k > 0 and verb_lemma(toks[k - 1]) in ORDER_VERBS):
            continue  # 'sorted by title' orders; it does not narrow
        m = k + 1
        while m < len(toks) and toks[m] not in QUALIFIERS | {";"}:
            if toks[m - 1] == "," and verb_lemma(toks[m]) in OPERATIONS:
                break  # ', sort them by price': a new clause
            np = noun_phrase(toks, m)
            if np is None:
                m += 1
                continue
            words = list(np.words)
            if toks[np.end : np.end + 1] == ["of"] and (of := noun_phrase(toks, np.end + 1)):
                words += of.words  # 'by number of players'
                np = of
            out.append("_".join(lemma(w) for w in words))
            m = np.end
    return tuple(out)


def clauses(sentence: str) -> list[str]:
    """A sentence cut where a new action starts: at commas and semicolons, and at 'and' or
    'but' before a verb ('list posts by tag and read one by slug')."""
    toks = tokens(sentence)
    out: list[list[str]] = [[]]
    for i, tok in enumerate(toks):
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        starts = tok in {"and", "but"} and verb_lemma(nxt) in OPERATIONS
        if tok in {",", ";"} or starts:
            out.append([])
            continue
        out[-1].append(tok)
    return [" ".join(c) for c in out if c]

"""``fidelity.support``: the sentence a requirement cites says what the requirement does.

A citation that is in the request is not yet a reason: "List passes" citing "Staff can
list today's visits" is grounded and covers the sentence, yet builds the wrong thing. The
requirement's verb (or one of its operation class) and every record and qualifier it acts
on must be words of the cited sentence(s), compared by lemma, stem or nominalisation
("book rooms" supports "Create booking"). Creating is implied by any sentence that names
the record; a title whose verb names no known operation is not judged.

It reads the other way too: a sentence that asks to list, filter or search *by* something
("lists allocations by plot") and is claimed only by requirements that do not (a plain
"List allocations") has lost what it asked, unless a deferral or open question says so.
"""

from __future__ import annotations

import re

from featureline.artifacts import RequirementsArtifact
from featureline.artifacts.requirements import FunctionalRequirement
from featureline.checks.actions import ORDERING, Action, clauses, operation_of, read_action
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.checks.wording import content, covers, lemma, short, stem, within
from featureline.language.lexicon import NOMINALISATIONS, is_person, verb_lemma
from featureline.language.phrases import tokens
from featureline.language.sentences import sentences

#: the operation classes a sentence may say for a requirement of each class to be supported
SUPPORTED_BY: dict[str, frozenset[str]] = {
    "list": frozenset({"list", "get", "filter", "search", "sort", "aggregate"}),
    "get": frozenset({"get", "list", "search"}),
    "filter": frozenset({"filter", "list", "get", "search"}),  # its qualifiers are checked
    "search": frozenset({"search"}),
    "sort": frozenset({"sort"}),
    "aggregate": frozenset({"aggregate"}),
    "update": frozenset({"update", "transition"}),
    "delete": frozenset({"delete", "transition"}),
    "transition": frozenset({"transition", "update"}),
}
AGGREGATE_WORDS = re.compile(
    r"\b(?:how many|number of|counts?|totals?|averages?|sums?|statistics|stats|summary|"
    r"summaries|breakdown|balances?|report)\b"
)


class Support:
    """What a cited text can support: its lemmas, stems, the records its verbs name and the
    operation classes it says."""

    def __init__(self, text: str) -> None:
        self.text = text.lower()
        self.lemmas = set(content(text))
        self.stems = {stem(w) for w in self.lemmas}
        toks = tokens(text)
        verbs = {v for v in (verb_lemma(t) for t in toks) if v}
        self.lemmas |= verbs | {NOMINALISATIONS[v] for v in verbs if v in NOMINALISATIONS}
        self.operations = {
            op for i, t in enumerate(toks) if (op := _operation(t, toks, i)) is not None
        }
        if ORDERING.search(self.text):
            self.operations.add("sort")
        if AGGREGATE_WORDS.search(self.text):
            self.operations.add("aggregate")

    def has(self, word: str) -> bool:
        return any(w in self.lemmas or stem(w) in self.stems for w in content(word) or [word])

    def does(self, action: Action) -> bool:
        if action.operation == "create" or self.has(action.verb):
            return True
        return bool(self.operations & SUPPORTED_BY.get(action.operation, frozenset()))


def _operation(tok: str, toks: list[str], i: int) -> str | None:
    verb = verb_lemma(tok) or lemma(tok)
    return operation_of(verb, toks, i)


def _bare_person(qualifier: str, entities: set[str]) -> bool:
    """'per owner', 'by member': the signed-in user, not a field a requirement must name
    ('by number of players' is a field; 'by patient' is one where patients are records)."""
    return "_" not in qualifier and is_person(qualifier) and qualifier not in entities


def cited_text(source: str, request: list[str]) -> str:
    """The source and every request sentence it quotes or paraphrases (a partial quote
    'filter them by tag' is read with its whole sentence)."""
    whole = [s for s in request if covers(source, s) or within(source, s)]
    return " ".join([source, *whole])


class Model:
    """What the requirements model that a citation may support indirectly: records created
    with a related one ('save bookmarks' creates their tags) and enum fields whose values
    the text says ('goes from draft to sent' moves the status)."""

    def __init__(self, req: RequirementsArtifact) -> None:
        self.related: dict[str, set[str]] = {}
        for r in req.relations:
            self._relate(r.source, r.target)
        for e in req.entities:
            for f in e.fields:
                if f.references:
                    self._relate(e.name, f.references)
        self.entities = {_head(e.name) for e in req.entities}
        self.enums: dict[str, set[str]] = {}
        for e in req.entities:
            for f in e.fields:
                if f.enum_values:
                    values = {w for v in f.enum_values for w in content(v)}
                    self.enums.setdefault(_head(f.name), set()).update(values)

    def _relate(self, a: str, b: str) -> None:
        self.related.setdefault(_head(a), set()).add(_head(b))
        self.related.setdefault(_head(b), set()).add(_head(a))

    def supports(self, action: Action, obj: str, support: Support) -> bool:
        if support.has(obj):
            return True
        if any(support.has(v) for v in self.enums.get(obj, ())):
            return True
        return action.operation == "create" and any(
            support.has(r) for r in self.related.get(obj, ())
        )


def _head(name: str) -> str:
    words = content(name)
    return words[-1] if words else name.lower()


def _unsupported(action: Action, support: Support, model: Model) -> list[str]:
    missing = [] if support.does(action) else [f"the verb \u201c{action.verb}\u201d"]
    missing += [
        f"\u201c{o}\u201d" for o in action.objects if not model.supports(action, o, support)
    ]
    missing += [
        f"\u201c{q.replace('_', ' ')}\u201d"
        for q in action.qualifiers
        if not support.has(q) and not _bare_person(q, model.entities)  # 'per owner': the user
    ]
    return missing


#: what a sentence asks of a list: the operations whose qualifiers a requirement must keep
NARROWING = frozenset({"list", "filter", "search", "get"})


def _says(fr: FunctionalRequirement) -> str:
    """What a requirement promises: its title, description and acceptance criteria (one
    'List, filter and search bookmarks' may name the tag filter only in its criteria)."""
    return " ".join([fr.title, fr.description, *fr.acceptance_criteria])


def _dropped_qualifiers(
    req: RequirementsArtifact, request: list[str], model: Model
) -> list[Finding]:
    """'The secretary lists allocations by plot' claimed only by 'List allocations': the
    list is planned, the 'by plot' it asks for is silently gone."""
    out = []
    for n, sentence in enumerate(request, start=1):
        asks = [a for c in clauses(sentence) if (a := read_action(c)) and a.qualifiers]
        asks = [a for a in asks if a.operation in NARROWING]
        if not asks:
            continue
        citing = [
            f
            for f in req.functional
            if f.source and (covers(f.source, sentence) or within(f.source, sentence))
        ]
        planned = [f for f in citing if f.status == "planned"]
        visible = [f.source for f in citing if f.status == "deferred"]
        visible += list(req.open_questions) + list(req.out_of_scope)
        if not planned or any(covers(v, sentence) for v in visible):
            continue
        kept = Support(" ".join(_says(f) for f in planned))
        for asked in asks:
            dropped = [
                q.replace("_", " ")
                for q in asked.qualifiers
                if not kept.has(q) and not _bare_person(q, model.entities)
            ]
            if not dropped:
                continue
            titles = ", ".join(f"\u201c{f.title}\u201d" for f in planned)
            out.append(
                finding(
                    "fidelity.support",
                    f"request sentence {n}",
                    f"\u201c{short(sentence, 70)}\u201d asks to {asked.operation} by "
                    f"{', '.join(dropped)}, but no planned requirement citing it does ({titles}): "
                    "plan the filter or defer it",
                )
            )
    return out


@check("requirements", "fidelity.support")
def citations_support(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    request = sentences(context.request.text)
    model = Model(artifact)
    out = _dropped_qualifiers(artifact, request, model)
    for fr in artifact.functional:
        action = read_action(fr.title)
        source = " ".join(fr.source.split())
        if action is None or not source or source.lower() == "front matter hint":
            continue
        missing = _unsupported(action, Support(cited_text(source, request)), model)
        if not missing:
            continue
        said = next(
            (n for n, s in enumerate(request, 1) if not _unsupported(action, Support(s), model)),
            None,
        )
        cited = f"\u201c{fr.title}\u201d cites \u201c{source[:80]}\u201d, which does not say "
        if said is not None:  # asked for, but elsewhere: the trace is wrong, not the work
            message = f"{cited}{' or '.join(missing)}; request sentence {said} does: cite it"
            out.append(finding("fidelity.support", fr.id, message, "warning"))
            continue
        out.append(
            finding(
                "fidelity.support",
                fr.id,
                f"{cited}{' or '.join(missing)}, and no sentence of the request asks for it: "
                "cite the sentence that does, or remove the requirement",
            )
        )
    return out

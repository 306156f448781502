"""Fidelity to the request: what the requirements say is what the request asked, whoever
wrote them (the builtin or Claude).

At the requirements gate:
- ``fidelity.subject``: the requirements name at least one entity (else nothing would be
  built, and the gate says how to proceed);
- ``fidelity.sentences``: every sentence of the request is cited by a requirement, a
  target, a rule, an open question or an out-of-scope entry;
- ``fidelity.grounding``: entities, enum values, and the quotes of fields, rules and
  requirements come from the request (an invented entity, enum or quote is an error);
- ``fidelity.nouns``: every noun phrase a planned requirement's sentence acts on is an
  entity, a field or a role;
- ``fidelity.enums``: values listed for a field ("a status (draft, sent, paid)") are the
  values of an enum;
- ``fidelity.ranges``: "from 1 to 5" / "between 0 and 100" bound a field or a range rule;
- ``fidelity.rules``: "cannot be double-booked", "one per", "at most one", "never
  overbooked" are rules.

``fidelity.support`` (a requirement's citation says what it does) and, at the API spec
gate, ``fidelity.operations`` live in their own modules.

Wording is compared by lemmas (``checks.wording``), so a faithful paraphrase passes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from featureline.artifacts import RequirementsArtifact
from featureline.checks.base import CheckContext, Finding, check, finding
from featureline.checks.wording import WORD, content, covers, grounded, lemma, short, stem, within
from featureline.language.lexicon import (
    ACTION_VERBS,
    FUNCTION_WORDS,
    NOMINALISATIONS,
    NOT_ENTITIES,
    can_be_noun,
    singular,
    verb_lemma,
)
from featureline.language.phrases import (
    DETERMINERS,
    PORTIONS,
    NounPhrase,
    noun_phrase,
    tokens,
)
from featureline.language.sentences import sentences

HOW_TO_PROCEED = (
    "name what the service stores in the request (e.g. 'A recipe has a title and steps'), "
    "give front-matter hints (entities: {recipe: {fields: {title: string}}}), or run with "
    "--provider anthropic"
)


def _citations(req: RequirementsArtifact) -> list[str]:
    """Every text that may cite a sentence; a requirement's partial quote is read alone too
    (its description would dilute it)."""
    out = [f"{f.source} {f.description}" if f.source else f.description for f in req.functional]
    out += [f.source for f in req.functional if f.source]
    out += [f"{n.source} {n.description}" for n in req.non_functional]
    out += [f"{r.source} {r.description}" for r in req.rules]
    out += list(req.open_questions) + list(req.out_of_scope)
    return out


@check("requirements", "fidelity.subject")
def names_a_subject(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    if artifact.entities:
        return []
    return [
        finding(
            "fidelity.subject",
            "entities",
            "the requirements name no entity, so nothing would be built: the specialist could "
            f"not find what the request is about; {HOW_TO_PROCEED}",
        )
    ]


@check("requirements", "fidelity.sentences")
def every_sentence_cited(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    cites = _citations(artifact)
    out = []
    for n, sentence in enumerate(sentences(context.request.text), start=1):
        if not content(sentence) or any(covers(c, sentence) for c in cites):
            continue
        out.append(
            finding(
                "fidelity.sentences",
                f"request sentence {n}",
                f"\u201c{short(sentence)}\u201d is cited by no requirement, target, rule, open "
                "question or out-of-scope entry",
            )
        )
    return out


def _request_words(context: CheckContext) -> tuple[set[str], set[str]]:
    text = context.request.text + " " + " ".join(_hint_words(context.request.hints))
    lemmas_ = set(content(text))
    return lemmas_, {stem(w) for w in lemmas_}


def _hint_words(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _hint_words(v)
    elif isinstance(value, list):
        for v in value:
            yield from _hint_words(v)
    elif isinstance(value, str):
        yield value


@check("requirements", "fidelity.grounding")
def elements_grounded(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    words, stems = _request_words(context)
    out: list[Finding] = []
    name = "fidelity.grounding"
    for ent in artifact.entities:
        if grounded(ent.name, words, stems) or (ent.source and grounded(ent.source, words, stems)):
            continue
        out.append(
            finding(
                name,
                f"entities.{ent.name}",
                f"entity {ent.name!r} is not grounded in the request"
                + (
                    f" (its source \u201c{short(ent.source, 60)}\u201d is not there)"
                    if ent.source
                    else ""
                )
                + ": remove it or quote the words it comes from",
            )
        )
    quoted: list[tuple[str, str]] = []
    for ent in artifact.entities:
        quoted += [(f"entities.{ent.name}.{f.name}", f.source) for f in ent.fields if f.source]
    quoted += [(f"rules.{r.id}", r.source) for r in artifact.rules if r.source]
    quoted += [(f.id, f.source) for f in artifact.functional if f.source]
    quoted += [(n.id, n.source) for n in artifact.non_functional if n.source]
    for where, source in quoted:
        if source.strip().lower() == "front matter hint" or grounded(source, words, stems):
            continue
        out.append(
            finding(
                name, where, f"cites \u201c{short(source, 60)}\u201d, which is not in the request"
            )
        )
    return out + _invented_values(artifact, words, stems)


def _invented_values(req: RequirementsArtifact, words: set[str], stems: set[str]) -> list[Finding]:
    """An enum whose values are mostly not in the request was invented ('pending' before
    'approved or rejected' is an inference; a whole 'pending, approved, rejected' status on
    trails nobody approves is not)."""
    out = []
    for ent in req.entities:
        for f in ent.fields:
            said = [v for v in f.enum_values if grounded(v, words, stems)]
            if f.enum_values and len(said) * 2 < len(f.enum_values):
                out.append(
                    finding(
                        "fidelity.grounding",
                        f"entities.{ent.name}.{f.name}",
                        f"the values {', '.join(f.enum_values)} of {ent.name}.{f.name} are "
                        "mostly not in the request: remove the field or use the request's words",
                    )
                )
    return out


def _modelled_words(req: RequirementsArtifact) -> set[str]:
    """Lemmas a noun phrase may name: entity and field names, roles, enum values."""
    names: list[str] = [a.name for a in req.actors]
    for ent in req.entities:
        names.append(ent.name)
        names += [f.name for f in ent.fields]
        # a one-word value names rows in that state ('archive drafts'); a compound one
        # ('ten-visit') names no record of its own
        names += [v for f in ent.fields for v in f.enum_values if len(content(v)) == 1]
        if ent.source:
            names.append(ent.source)
    for r in req.rules:
        names += r.fields + r.scope + r.roles
    return {w for n in names for w in content(n)}


#: verbs too vague to say which record they act on ('organise work', 'run script')
VAGUE_VERBS = frozenset(
    [
        "organise",
        "organize",
        "manage",
        "run",
        "take",
        "make",
        "plan",
        "hand",
        "set",
        "issue",
        "offer",
        "lend",
        "keep",
    ]
)
NEGATIONS = frozenset({"never", "not", "cannot", "no", "nobody", "without"})


def _objects(sentence: str) -> list[str]:
    """The noun phrases a sentence's action verbs act on ('book meeting rooms' -> rooms);
    a verb used as an adjective ('a published flag') or negated ('never run script') acts
    on nothing."""
    toks = tokens(sentence)
    out: list[str] = []
    for i, tok in enumerate(toks):
        verb = verb_lemma(tok)
        if verb is None or i == 0 or (verb not in ACTION_VERBS and verb not in NOMINALISATIONS):
            continue
        if verb in VAGUE_VERBS or toks[i - 1] in DETERMINERS:
            continue
        if NEGATIONS & set(toks[max(0, i - 4) : i]):
            continue
        j = i + 1
        while j < len(toks) and toks[j] in SKIPPED_AFTER_VERB:
            j += 1
        np = noun_phrase(toks, j)
        while np is not None:  # 'their passes and visits': each conjunct is acted on
            if _collection(np):
                out.append(np.span)
            more = np.end < len(toks) - 1 and toks[np.end] in {"and", "or"}
            np = (
                noun_phrase(toks, np.end + 1) if more and not _verb_next(toks, np.end + 1) else None
            )
    return out


SKIPPED_AFTER_VERB = {"for", "to", "in", "on", "up", "through", "only", "just", "also"}
OBJECT_PRONOUNS = {"them", "it", "him", "her", "us", "one"}


def _verb_next(toks: list[str], i: int) -> bool:
    """'list flags and search them': a verb with its own object starts a new clause."""
    after = toks[i + 1] if i + 1 < len(toks) else ""
    return verb_lemma(toks[i]) is not None and (after in OBJECT_PRONOUNS or after in DETERMINERS)


def _collection(np: NounPhrase) -> bool:
    """Whether a noun phrase names a collection of records a requirement acts on."""
    if np.words[-1] in PORTIONS or np.head in NOT_ENTITIES:
        return False
    if np.determiner == "the" and not np.plural:
        return False  # 'the newsletter': one thing, not a collection
    return not (np.is_person or len(np.head) < 2)


@check("requirements", "fidelity.nouns")
def acted_on_nouns_modelled(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    modelled = _modelled_words(artifact)
    stems = {stem(w) for w in modelled}
    planned = [f for f in artifact.functional if f.status == "planned" and f.source]
    visible = [f.source for f in artifact.functional if f.status == "deferred" and f.source]
    visible += list(artifact.open_questions) + list(artifact.out_of_scope)
    out = []
    for n, sentence in enumerate(sentences(context.request.text), start=1):
        if not any(covers(f.source, sentence) for f in planned):
            continue
        if any(covers(v, sentence) for v in visible):
            continue  # partly deferred: what it does not model is said
        for phrase in _objects(sentence):
            head = lemma(WORD.findall(phrase)[-1])
            if head in modelled or stem(head) in stems:
                continue
            out.append(
                finding(
                    "fidelity.nouns",
                    f"request sentence {n}",
                    f"\u201c{short(sentence, 70)}\u201d acts on \u201c{phrase}\u201d, which is "
                    "neither an entity, a field nor a role: model it or defer the requirement",
                )
            )
    return out


VALUE_LIST = re.compile(r"\b([a-z]+(?:[ -][a-z]+)?)\s*\(([^()]*?(?:,|\bor\b)[^()]*)\)")
COLON_LIST = re.compile(r"\b([a-z]+(?:[ -][a-z]+)?)\s*:\s*([^.;:\n()]+)")
ONE_OF = re.compile(
    r"\b([a-z]+(?:[ -][a-z]+)?)\s+(?:is|are|can be|must be|may be)\s+"
    r"(?:(?:one of|either)\s+([^.;:\n()]+)|([a-z]+(?:\s*,\s*[a-z]+)+,?\s+or\s+[a-z]+)\b)"
)
#: 'a priority of low, medium or high'
OF_LIST = re.compile(
    r"\b(?:an?|the)\s+([a-z]+)\s+of\s+([a-z]+(?:\s*,\s*[a-z]+)+,?\s+(?:or|and)\s+[a-z]+)\b"
)
CHAIN = re.compile(r"\b([a-z]+(?:[ -][a-z]+)?(?:\s*(?:->|\u2192)\s*[a-z]+(?:[ -][a-z]+)?)+)")
#: nouns whose plural still lists values ('states: todo, doing, done')
VALUE_HOLDERS = frozenset(
    {"state", "stage", "phase", "status", "type", "kind", "category", "level", "tier", "mode"}
)
EXAMPLES = re.compile(r"^\s*(?:e\.?g\.?|such as|for example|for instance|like|including|say)\b")


def _norm_value(v: str) -> str:
    return "_".join(WORD.findall(v.lower()))


def _values(listed: str) -> list[str]:
    """The values of 'draft, sent or paid'; none when an item is a phrase or an example."""
    if EXAMPLES.match(listed):
        return []
    values = [_norm_value(v) for v in re.split(r",|\bor\b|\band\b", listed)]
    values = [v for v in values if v and not re.match(r"^(?:an?|the)_", v)]
    if any(set(v.split("_")) <= FUNCTION_WORDS for v in values):
        return []  # 'who did it and when': a clause, not values
    if len(values) < 2 or any(len(v.split("_")) > 3 for v in values):
        return []
    return values


def _listed_values(text: str) -> list[tuple[str, list[str]]]:
    """(what, values) for 'a status (pending, active)', 'status: draft, sent, paid', 'a
    status is one of open, closed', 'a task is open, doing or done', 'a priority of low,
    medium or high' and 'open -> closed'. A
    plural noun lists a collection's fields ('line items (description, quantity)')."""
    out = []
    low = text.lower()
    found = [(m.group(1), m.group(2)) for m in VALUE_LIST.finditer(low)]
    found += [(m.group(1), m.group(2)) for m in COLON_LIST.finditer(low)]
    found += [(m.group(1), m.group(2) or m.group(3)) for m in ONE_OF.finditer(low)]
    found += [(m.group(1), m.group(2)) for m in OF_LIST.finditer(low)]
    for what, listed in found:
        noun = what.split()[-1]
        plural = lemma(noun) != noun and singular(noun) != noun
        if not can_be_noun(noun) or (plural and lemma(noun) not in VALUE_HOLDERS):
            continue  # 'auditable: who did it'; a plural lists a collection's fields
        values = _values(listed)
        if values:
            out.append((what, values))
    for m in CHAIN.finditer(low):
        values = [_norm_value(v) for v in re.split(r"->|\u2192", m.group(1))]
        if len(values) >= 2:
            out.append(("lifecycle", values))
    return out


def _words(text: str) -> set[str]:
    return set(WORD.findall(text.lower().replace("_", " ")))


def _excused(req: RequirementsArtifact, sentence: str, span: str) -> bool:
    """Whether a listing or range is visibly not built: a deferred requirement's title or an
    out-of-scope entry says it, or an open question asks about it while no planned
    requirement claims its sentence. A deferral of another part of the sentence (its
    description quoting the whole sentence) excuses nothing."""
    said = _words(span)
    decided = [f.title for f in req.functional if f.status == "deferred"]
    decided += list(req.out_of_scope)
    if any(said <= _words(d) for d in decided):
        return True
    planned = any(
        covers(f.source, sentence) for f in req.functional if f.status == "planned" and f.source
    )
    return not planned and any(said <= _words(q) for q in req.open_questions)


def _numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(sentences(text), start=1))


@check("requirements", "fidelity.enums")
def listed_values_are_enums(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    enum_values = {
        _norm_value(v) for e in artifact.entities for f in e.fields for v in f.enum_values
    }
    enum_values |= {_norm_value(v) for r in artifact.rules for v in r.values}
    field_names = {_norm_value(f.name) for e in artifact.entities for f in e.fields}
    out = []
    for n, sentence in _numbered(context.request.text):
        for what, values in _listed_values(sentence):
            known = [v for v in values if v in enum_values or v in field_names]
            if len(known) * 2 >= len(values) or _excused(artifact, sentence, " ".join(values)):
                continue
            out.append(
                finding(
                    "fidelity.enums",
                    f"request sentence {n}",
                    f"the request lists {', '.join(values)} for {_bare(what)}, but no field is "
                    "an enum of these values",
                )
            )
    return out


def _bare(what: str) -> str:
    return re.sub(r"^(?:an?|the|each|every|its|their)\s+", "", what)


_NOT_A_BOUND = r"(?!\s*(?:ms|millis|seconds?|s\b|%|percent|requests|rps|per\b|[ap]m\b|o'clock))"
RANGE = re.compile(
    r"\b(?:from|between)\s+(-?\d+(?:\.\d+)?)\s+(?:to|and)\s+(-?\d+(?:\.\d+)?)\b" + _NOT_A_BOUND
)
#: '(1-5)', 'rated 1 to 5', 'a score of 0-100', 'on a scale of 1 to 10'
SHORT_RANGE = re.compile(
    r"(?:\(|\b(?:rated?|rates|scored?|scores|scale|of)\s+)(-?\d+(?:\.\d+)?)\s*(?:-|\u2013|to)\s*"
    r"(-?\d+(?:\.\d+)?)\b" + _NOT_A_BOUND
)
#: the words before a range that may name its field ('watering interval in days (')
FIELD_WINDOW = 8


def _bounded(artifact: RequirementsArtifact) -> dict[str, set[tuple[float, float]]]:
    """Field name -> the (minimum, maximum) pairs set on it, by a field or a range rule."""
    out: dict[str, set[tuple[float, float]]] = {}
    for e in artifact.entities:
        for f in e.fields:
            out.setdefault(f.name, set())
            if f.minimum is not None and f.maximum is not None:
                out[f.name].add((f.minimum, f.maximum))
    for r in artifact.rules:
        if r.kind == "range" and len(r.values) == 2:
            try:
                pair = (float(r.values[0]), float(r.values[1]))
            except ValueError:
                continue
            for name in r.fields or [""]:
                out.setdefault(name, set()).add(pair)
    return out


def _fields_named_before(before: str, fields: list[str]) -> list[str]:
    """The fields whose name the words just before a range say, nearest first ('a height
    in cm and a watering interval in days (' -> watering_interval)."""
    window = content(before)[-FIELD_WINDOW:]
    ends: dict[str, int] = {}
    for f in fields:
        words = content(f)
        if words and set(words) <= set(window):
            ends[f] = max(i for i, w in enumerate(window) if w in words)
    nearest = max(ends.values(), default=None)
    return [f for f, end in ends.items() if end == nearest]


@check("requirements", "fidelity.ranges")
def ranges_constrain(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    bounded = _bounded(artifact)
    anywhere = {pair for pairs in bounded.values() for pair in pairs}
    out = []
    for n, sentence in _numbered(context.request.text):
        low_text = sentence.lower()
        matches = list(RANGE.finditer(low_text))
        matches += [m for m in SHORT_RANGE.finditer(low_text) if not _inside(m, matches)]
        for m in matches:
            pair = (float(m.group(1)), float(m.group(2)))
            named = _fields_named_before(low_text[: m.start()], list(bounded))
            if (pair in anywhere and not named) or any(pair in bounded[f] for f in named):
                continue
            if _excused(artifact, sentence, m.group(0)):
                continue
            said = f"\u201c{m.group(0).lstrip('(')}\u201d"
            fix = f"minimum {pair[0]:g} and maximum {pair[1]:g} (or a range rule)"
            message = (
                f"{said} bounds {' or '.join(named)}, which has no such bounds: give it {fix}"
                if named
                else f"{said} bounds no field: give the field it is about {fix}"
            )
            out.append(finding("fidelity.ranges", f"request sentence {n}", message))
    return out


def _inside(m: re.Match[str], others: list[re.Match[str]]) -> bool:
    return any(o.start() <= m.start() < o.end() or m.start() <= o.start() < m.end() for o in others)


RULE_PHRASES: tuple[tuple[re.Pattern[str], frozenset[str], str], ...] = (
    (
        re.compile(r"double[- ]book|\boverlap"),
        frozenset({"no_overlap"}),
        "a no-overlap rule",
    ),
    (
        re.compile(
            r"\bone\s+[a-z-]+\s+per\b|\bonce per\b|\bonly once\b|\bat most once\b|"
            r"\bunique\s+(?:per|within|for each)\b"
        ),
        frozenset({"unique", "one_active"}),
        "a uniqueness rule",
    ),
    (
        re.compile(r"\bat most one\b"),
        frozenset({"unique", "one_active", "capacity"}),
        "an at-most-one rule",
    ),
    (
        re.compile(r"\boverbook|\bnever\s+(?:have|has|take|takes|sell|sells)\s+more\b|\bexceed"),
        frozenset({"capacity"}),
        "a capacity rule",
    ),
)


@check("requirements", "fidelity.rules")
def rule_phrases_are_rules(artifact: RequirementsArtifact, context: CheckContext) -> list[Finding]:
    out = []
    for n, sentence in enumerate(sentences(context.request.text), start=1):
        low = sentence.lower()
        for pattern, kinds, what in RULE_PHRASES:
            if not pattern.search(low):
                continue
            cited = [
                r
                for r in artifact.rules
                if r.source and (covers(r.source, sentence) or within(r.source, sentence))
            ]
            if any(r.kind in kinds or r.kind == "other" for r in cited):
                continue
            if not cited and any(r.kind in kinds and not r.source for r in artifact.rules):
                continue  # a rule of that kind that cites nothing: accepted
            if "capacity" in kinds and _planned_overbook(artifact, sentence):
                continue
            out.append(
                finding(
                    "fidelity.rules",
                    f"request sentence {n}",
                    f"\u201c{short(sentence, 70)}\u201d states {what}, but no rule of kind "
                    f"{' or '.join(sorted(kinds))} (or 'other', deferred) cites it",
                )
            )
    return out


def _planned_overbook(req: RequirementsArtifact, sentence: str) -> bool:
    """Requirements written before rules existed carry capacity as a 'Never overbook' FR."""
    return any(
        f.title.lower().startswith("never overbook") and covers(f.source, sentence)
        for f in req.functional
    )

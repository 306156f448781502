"""States a record goes through, stated in prose, and flags set by an act.

- "A ticket's status goes open -> in progress -> resolved -> closed" and "An invoice moves
  from draft to sent to paid": an enum field and a transition rule along that order.
- "A permit is either pending, active or expired": an enum field (no order is stated,
  so no transition rule).
- "Managers approve or reject submitted timesheets": transitions from the named state to
  the verbs' past participles, when those are states of the record.
- "Users can pin a note", "Sellers mark an ad as sold": a boolean flag set by an update.
"""

from __future__ import annotations

import itertools
import re

import lemminflect

from featureline.language.lexicon import is_person
from featureline.providers.builtin.fields import FieldSpec
from featureline.providers.builtin.text import singular, snake
from featureline.providers.builtin.understanding.model import Domain, EntitySpec, RuleSpec

STATE_FIELDS = ("status", "state", "stage", "phase")
FLAG_VERBS = ("pin", "archive", "star", "hide", "lock", "feature", "flag", "complete", "close")


def past_participle(verb: str) -> str:
    forms = lemminflect.getInflection(verb, "VBN")
    return forms[0] if forms else verb + "ed"


def _subject_entity(domain: Domain, text: str) -> EntitySpec | None:
    """The first known entity named in ``text``."""
    for word in re.findall(r"[a-z]+", text.lower()):
        name = domain.resolve(word)
        if name:
            return domain.entities[name]
    return None


def _state_field(ent: EntitySpec, name: str, values: list[str], span: str) -> FieldSpec:
    existing = ent.field_named(name)
    if existing is not None and existing.type == "enum" and existing.enum_values:
        merged = list(existing.enum_values) + [v for v in values if v not in existing.enum_values]
        values = merged
    spec = FieldSpec(
        name,
        "enum",
        enum_values=tuple(values),
        description=f"{name}: {', '.join(values)}; new rows start as {values[0]}",
        source=span,
    )
    ent.replace_field(spec)
    return spec


def read_lifecycle(domain: Domain, sentence: str) -> None:
    low = sentence.lower().rstrip(".")
    chain = re.search(
        r"(?:(status|state|stage|phase)\s+)?(?:goes|moves|passes|changes|progresses)\s+"
        r"(?:from\s+)?([a-z ]+?(?:\s*(?:->|→|to)\s*[a-z ]+?){1,})(?:[;,]|$)",
        low,
    )
    if chain:
        steps = [
            [snake(v) for v in re.split(r"\s+or\s+", p) if snake(v)]
            for p in re.split(r"\s*(?:->|\u2192|\bto\b)\s*", chain.group(2))
            if snake(p)
        ]
        parts = [v for step in steps for v in step]
        ent = _subject_entity(domain, low[: chain.start()] or low)
        if ent is not None and len(steps) >= 2 and all(len(p) < 30 for p in parts):
            name = chain.group(1) or "status"
            _state_field(ent, name, parts, chain.group(0).strip())
            moves = [f"{a}->{b}" for x, y in itertools.pairwise(steps) for a in x for b in y]
            domain.add_rule(
                RuleSpec(
                    "transition",
                    ent.name,
                    f"{ent.name} {name} moves only along {', '.join(moves)}",
                    sentence,
                    fields=[name],
                    values=moves,
                    operations=["update"],
                )
            )
            return
    then = re.search(
        r"^(?:an?|the|each|every)\s+([a-z]+(?:\s[a-z]+)?)\s+is\s+(?:first\s+)?([a-z]+(?:ed|en))\b"
        r"((?:[^.;]*?,?\s+(?:and\s+)?then\s+(?:is\s+)?[a-z]+(?:ed|en)(?:\s+or\s+[a-z]+(?:ed|en))?)+)",
        low,
    )
    if then:
        # "An order is submitted, then approved by a buyer, then received"
        ent = _subject_entity(domain, then.group(1))
        steps = [[then.group(2)]] + [
            [a, b] if b else [a]
            for a, b in re.findall(
                r"\bthen\s+(?:is\s+)?([a-z]+(?:ed|en))(?:\s+or\s+([a-z]+(?:ed|en)))?", then.group(3)
            )
        ]
        if ent is not None and len(steps) >= 2:
            values = [v for step in steps for v in step]
            _state_field(ent, "status", values, then.group(0).strip())
            moves = [f"{a}->{b}" for x, y in itertools.pairwise(steps) for a in x for b in y]
            domain.add_rule(
                RuleSpec(
                    "transition",
                    ent.name,
                    f"{ent.name} status moves only along {', '.join(moves)}",
                    sentence,
                    fields=["status"],
                    values=moves,
                    operations=["update"],
                )
            )
            agent = re.search(r"\bby\s+(?:an?\s+|the\s+)?(?:[a-z]+\s+)?([a-z]+)", then.group(0))
            if agent and is_person(agent.group(1)) and ent.owned_by:
                # "confirmed by a lab manager" on rows their requester owns: a move by
                # someone other than the owner, which the generated service does not allow
                domain.add_rule(
                    RuleSpec(
                        "other",
                        ent.name,
                        f"{agent.group(1)}s move {ent.name} rows other users own",
                        sentence,
                    )
                )
            return
    through = re.search(
        r"goes through the (status(?:es)?|states?|stages?|phases?)\s+"
        r"([a-z ,]+?(?:,?\s+(?:and|or)\s+[a-z ]+))(?:[;.]|$)",
        low,
    )
    if through:
        ent = _subject_entity(domain, low[: through.start()])
        values = [snake(v) for v in re.split(r",|\band\b|\bor\b", through.group(2)) if snake(v)]
        if ent is not None and len(values) >= 2:
            word = "status" if through.group(1).startswith("status") else singular(through.group(1))
            _state_field(ent, word, values, through.group(0).strip())
        return
    either = re.search(
        r"^(?:an?|the|each|every)\s+([a-z]+)\s+has\s+[^.;]*?\band\s+is\s+(?:either\s+)?"
        r"([a-z]+,?\s+or\s+[a-z]+)(?=\s*(?:[.;,]|$))",
        low,
    ) or re.search(
        r"\b(?:an?|the|each|every)\s+([a-z]+(?:\s[a-z]+)?)\s+is\s+(?:either\s+)?"
        r"([a-z]+(?:,\s*[a-z]+)*,?\s+or\s+[a-z]+)(?=\s*(?:[.;,]|$))",
        low,
    )
    if either:
        ent = _subject_entity(domain, either.group(1))
        values = [snake(v) for v in re.split(r",|\bor\b", either.group(2)) if snake(v)]
        if ent is not None and len(values) >= 2 and not {"a", "an", "the"} & set(values):
            if sorted(values) == ["private", "public"]:
                ent.add_field(
                    FieldSpec(
                        "public",
                        "boolean",
                        description="visible to every signed-in user",
                        source=either.group(0),
                    )
                )
            else:
                _state_field(ent, "status", values, either.group(0))
    decide = re.search(
        r"\b(approve|accept)s?\s+or\s+(reject|decline)s?\s+(?:the\s+)?([a-z]+\s+)?([a-z]+)", low
    )
    if decide and "moderat" not in low:
        # the record decided on is the noun after the verbs; another noun of the sentence
        # ('… cancelled by the employee') is a guess that puts the status on the wrong record
        ent = _subject_entity(domain, decide.group(4))
        if ent is None:
            domain.add_rule(
                RuleSpec("other", "", f"{decide.group(0)}: the record is not modelled", sentence)
            )
        else:
            done = [past_participle(decide.group(1)), past_participle(decide.group(2))]
            state = (decide.group(3) or "").strip()
            current = ent.field_named("status")
            values = list(current.enum_values) if current and current.type == "enum" else []
            start = state if state in values else (values[0] if values else "pending")
            spec = _state_field(ent, "status", [start, *done], decide.group(0))
            domain.add_rule(
                RuleSpec(
                    "transition",
                    ent.name,
                    f"a {start} {ent.name} is {done[0]} or {done[1]}",
                    sentence,
                    fields=[spec.name],
                    values=[f"{start}->{d}" for d in done],
                    operations=["update"],
                )
            )
    flag = re.search(
        r"\b("
        + "|".join(FLAG_VERBS)
        + r"|mark)s?\s+(?:an?|the|their)\s+([a-z]+)(?:\s+as\s+([a-z]+))?",
        low,
    )
    if flag:
        ent = _subject_entity(domain, flag.group(2))
        if ent is not None:
            name = flag.group(3) if flag.group(1) == "mark" else past_participle(flag.group(1))
            if name and ent.field_named(name) is None:
                ent.add_field(
                    FieldSpec(
                        name,
                        "boolean",
                        required=False,
                        description=f"whether the {ent.name} is {name}",
                        source=flag.group(0),
                    )
                )

"""Understood rules and targets -> the artifact's Rule list, their requirements, and the
requirements each target is about.

A rule the generated service can enforce (every kind but ``other``) gets a planned
requirement whose acceptance criteria say the behaviour (409, 403, 422); an ``other`` rule
gets a deferred one that says it is not enforced. Rule and requirement point at each
other (``Rule.requirement_ids``), so the behavioural gates can test the one by the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Protocol

from featureline.artifacts.requirements import (
    FunctionalRequirement,
    NonFunctionalRequirement,
    Rule,
)
from featureline.providers.builtin.text import plural, title_words
from featureline.providers.builtin.understanding.model import Domain, RuleSpec

NOT_UNDERSTOOD_QUESTION = "Not understood by the generator, please clarify: \u201c{sentence}\u201d"
RULE_DEFERRED = (
    "not implemented by the builtin specialist: the rule could not be resolved to fields "
    "it can enforce"
)


class Adder(Protocol):
    def __call__(
        self,
        title: str,
        description: str,
        criteria: list[str],
        source: str = "",
        priority: str = "must",
        deferred: bool = False,
        note: str = "",
    ) -> None: ...


def _many(name: str) -> str:
    return title_words(plural(name))


def _path(name: str) -> str:
    return "/v1/" + plural(name).replace("_", "-")


def _planned(rule: RuleSpec) -> tuple[str, str, list[str]]:
    """(title, description, acceptance criteria) of the requirement enforcing a rule."""
    many, one, path = _many(rule.entity), title_words(rule.entity), _path(rule.entity)
    scope = " and ".join(title_words(s) for s in rule.scope)
    if rule.kind == "unique":
        what = " and ".join(title_words(f) for f in rule.fields)
        per = f" per {scope}" if scope else ""
        return (
            f"One {one} per {what}{per}" if rule.scope else f"Unique {one} {what}",
            f"Business rule: {rule.description}. A create that repeats it is rejected.",
            [
                f"POST {path} repeating the {what}{per} of an existing {one} returns 409 "
                "problem+json and stores nothing",
                f"POST {path} with a different {what} returns 201",
            ],
        )
    if rule.kind == "no_overlap":
        start, end = rule.fields
        per = f" of the same {scope}" if scope else ""
        return (
            f"No overlapping {many}" + (f" per {scope}" if scope else ""),
            f"Business rule: {rule.description}. A create whose [{start}, {end}) interval "
            f"overlaps another {one}{per} is rejected.",
            [
                f"POST {path} overlapping an existing {one}{per} returns 409 problem+json",
                f"POST {path} that starts when another {one}{per} ends returns 201",
                f"POST {path} with {end} not after {start} returns 422",
            ],
        )
    if rule.kind == "capacity":
        qty, cap = rule.fields
        parent = rule.scope[0]
        return (
            f"Never overbook {_many(parent)}",
            f"The {qty} of all {many} of a {title_words(parent)} never exceed its {cap}, even "
            f"when the last {qty} are booked at the same moment.",
            [
                f"POST {path} that would take the {qty} booked for the {title_words(parent)} "
                f"above its {cap} returns 409 problem+json and stores nothing",
                f"PATCH {path}/{{id}} changing {qty} or {parent}_id is checked the same way",
                "the check and the write run in one write transaction (BEGIN IMMEDIATE), "
                "so two concurrent requests cannot both take the last seats",
            ],
        )
    if rule.kind == "one_active":
        field, value = rule.fields[0], rule.values[0]
        return (
            f"At most one {value} {one} per {scope}",
            f"Business rule: {rule.description}. A create that would make a second "
            f"{value} {one} for the same {scope} is rejected.",
            [
                f"POST {path} with {field}={value} while another {value} {one} has the same "
                f"{scope} returns 409 problem+json",
                f"POST {path} for another {scope} returns 201",
            ],
        )
    if rule.kind == "role_required":
        roles = " or ".join(f"{r}s" for r in rule.roles)
        ops = ", ".join(rule.operations)
        return (
            f"Only {roles} {ops} {many}",
            f"Permission: {rule.description}. Other signed-in users are refused.",
            [
                f"a {rule.roles[0]} may {ops} {many}",
                f"any other role gets 403 problem+json for {ops} on {path}",
            ],
        )
    if rule.kind == "shared":
        return (
            f"Share {many} with every signed-in user",
            f"Business rule: {rule.description}.",
            [f"GET {path} lists {many} created by other users too"],
        )
    if rule.kind == "transition":
        field = rule.fields[0]
        steps = ", ".join(v.replace("->", " -> ") for v in rule.values)
        return (
            f"Move {one} {field} along its lifecycle",
            f"Business rule: {rule.description}; an update of {field} that skips or reverses "
            f"a step is rejected.",
            [
                f"PATCH {path}/{{id}} changing {field} along {steps} returns 200",
                f"PATCH {path}/{{id}} changing {field} any other way returns 409 problem+json",
            ],
        )
    low, high = rule.values
    field = rule.fields[0]
    return (
        f"Keep {one} {field} within {low} to {high}",
        f"Business rule: {rule.description}. A create with {field} outside it is rejected.",
        [
            f"POST {path} with {field} below {low} or above {high} returns 422",
            f"POST {path} with {field} = {low} and = {high} returns 201",
        ],
    )


def emit_rules(domain: Domain, add: Adder, count: Callable[[], int]) -> list[Rule]:
    """One Rule per understood rule, each with the requirement that carries it."""
    out: list[Rule] = []
    for spec in domain.rules:
        if spec.kind != "other" and spec.entity not in domain.entities:
            continue
        if spec.kind == "other":
            text = " ".join(spec.source.rstrip(".").split())
            add(
                "Rule: " + (text[:64] + "…" if len(text) > 65 else text),
                f"Business rule stated in the request: {spec.source}",
                ["enforced by the service and covered by a test (to be designed)"],
                spec.source,
                deferred=True,
                note=RULE_DEFERRED
                if spec.description == spec.source
                else f"not implemented by the builtin specialist: {spec.description}",
            )
        else:
            title, description, criteria = _planned(spec)
            add(title, description, criteria, spec.source)
        out.append(
            Rule(
                id=f"R-{len(out) + 1}",
                kind=spec.kind,
                entity=spec.entity,
                fields=list(spec.fields),
                scope=list(spec.scope),
                values=list(spec.values),
                roles=list(spec.roles),
                operations=list(spec.operations),
                description=spec.description,
                source=spec.source,
                requirement_ids=[f"FR-{count()}"],
            )
        )
    return out


def _clause_of(source: str, target: float) -> str:
    """The clause of a target's sentence that holds its number ('creating links is limited
    to 100 per minute' out of a sentence that also sets the redirect latency)."""
    numbers = (
        {f"{target:g}", f"{target:,.0f}", f"{int(target)}"}
        if target == int(target)
        else {f"{target:g}"}
    )
    for clause in re.split(r";\s*|,\s+(?:and|but)\s+|\s+and\s+(?=[a-z]+\s)", source):
        if any(re.search(rf"(?<![\d,.]){re.escape(n)}(?![\d,])", clause) for n in numbers):
            return clause
    return source


def link_targets(
    nfrs: list[NonFunctionalRequirement], frs: list[FunctionalRequirement], domain: Domain
) -> list[NonFunctionalRequirement]:
    """Each target names the requirements whose operations it is about: a redirect target
    the redirect (even deferred: then it cannot be measured, rather than be measured on
    another operation), a creation limit the creates, a listing target the lists."""
    planned = [f for f in frs if f.status == "planned"]
    out = []
    for n in nfrs:
        clause = _clause_of(n.source, n.target).lower() if n.source else n.metric.lower()
        named = [e for e in domain.entities if re.search(rf"\b{title_words(e)}", clause)]

        def about(f: FunctionalRequirement, named: list[str] = named) -> bool:
            return not named or any(
                f.title.endswith(title_words(e)) or _many(e) in f.title for e in named
            )

        ids: list[str] = []
        if "redirect" in clause:
            ids = [f.id for f in frs if "redirect" in f"{f.title} {f.description}".lower()]
        elif re.search(r"\bcreat|\bingest|\brecord|\bpost|\badd|\bsubmit|\bupload|\bwrit", clause):
            ids = [f.id for f in planned if f.title.startswith("Create ") and about(f)]
        elif re.search(r"\blist|\bload|\bbrows|\bsearch|\bpage|\bread|\bview|\bfetch", clause):
            ids = [
                f.id
                for f in planned
                if re.match(r"^(List|Filter|Search|Sort) ", f.title) and about(f)
            ]
        out.append(n.model_copy(update={"requirement_ids": ids}))
    return out

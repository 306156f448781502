"""Step 6: acceptance tests per requirement, with concrete data, tagged with their FR.

Each generated test proves one *aspect* of a resource (its create round trip, a filter
that keeps matching rows and drops the others, a rule's 409, a role's 403, ownership's
404 …). A requirement is mapped to the aspects its title, text and rules name, and only
the tests of those aspects carry its ``@pytest.mark.requirement`` — a generic test never
counts for a requirement whose criteria it does not check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from featureline.artifacts.implementation import SourceFile
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.artifacts.testing import CoverageEntry, TestingArtifact, TestLevel
from featureline.providers.builtin.resources import (
    Resource,
    build_resources,
    map_requirements,
)
from featureline.providers.builtin.rules import all_roles, default_role
from featureline.providers.builtin.test_acceptance import resource_tests
from featureline.providers.builtin.test_support import CONFTEST, helpers
from featureline.providers.builtin.text import plural, title_words


def fr_aspects(
    req: RequirementsArtifact, resources: Sequence[Resource]
) -> dict[str, set[tuple[str, str]]]:
    """FR id -> {(entity, aspect)} the requirement's acceptance criteria are about."""
    mapping = map_requirements(req, list(resources))
    by_many = {title_words(plural(r.entity)): r for r in resources}
    out: dict[str, set[tuple[str, str]]] = {}
    for fr in req.functional:
        if fr.status != "planned":
            continue
        cited = {
            (r.entity, f"rule:{x.id}")
            for r in resources
            for x in r.rules
            if fr.id in x.requirement_ids
        }
        if cited:
            # a requirement a rule stands for is checked by that rule's tests only
            out[fr.id] = cited
            continue
        aspects: set[tuple[str, str]] = set()
        text = f"{fr.title} {fr.description} {' '.join(fr.acceptance_criteria)}".lower()
        ops = mapping.get(fr.id, [])
        m = re.match(r"^(Filter|Search) (.+?) by ", fr.title)
        if m and m.group(2) in by_many:
            res = by_many[m.group(2)]
            if m.group(1) == "Search":
                aspects.add((res.entity, "search"))
            else:
                aspects |= {(res.entity, f"filter:{p}") for p, _ in res.filters}
        elif fr.title.startswith("List overdue "):
            aspects |= {(e, "overdue") for e, _ in ops}
        elif re.match(r"^Restrict .+ to their owner$", fr.title):
            aspects |= {(e, "ownership") for e, _ in ops}
        elif fr.title.startswith("Never overbook "):
            aspects |= {(r.entity, "capacity") for r in resources if r.capacity}
        elif re.match(r"^(Moderate|Disable) ", fr.title):
            aspects |= {(e, "set") for e, _ in ops}
        elif re.search(r"\buntrusted\b|\bscripts?\b", text):
            aspects |= {(e, "untrusted") for e, _ in ops}
        elif re.search(r"\bdecimals?\b|\bmoney\b|floating point", text) and not ops[1:]:
            aspects |= {
                (r.entity, "decimal")
                for r in resources
                if any(c.ftype == "decimal" for c in r.body_cols)
            }
        else:
            aspects |= set(ops)
        out[fr.id] = aspects
    return out


def build_testing(
    req: RequirementsArtifact, api_key: bool, feedback: tuple[str, ...] = ()
) -> TestingArtifact:
    resources = build_resources(req)
    aspects = fr_aspects(req, resources)
    header, prefix = ('"X-API-Key"', '""') if api_key else ('"Authorization"', '"Bearer "')
    roles = [r for r in all_roles(req) if r != default_role(req)]
    files = [
        SourceFile(
            path="tests/conftest.py",
            purpose="fixtures: app, database, users per role; the requirement marker",
            content=CONFTEST.replace("{HEADER: PREFIX", "{" + header + ": " + prefix).replace(
                "{ROLES}", repr(tuple(roles))
            ),
        ),
        SourceFile(
            path="tests/conftest_helpers.py",
            purpose="factories that create rows via the API",
            content='"""Factories shared by the API tests."""\n\n'
            + helpers(resources, header, prefix),
        ),
        SourceFile(
            path="tests/test_health.py",
            purpose="health endpoint",
            content='"""Health check."""\n\n\ndef test_health(client):\n'
            '    assert client.get("/v1/health").json() == {"status": "ok"}\n',
        ),
    ]
    tested: dict[str, list[str]] = {}
    for r in resources:
        content, ids = resource_tests(r, resources, aspects)
        files.append(
            SourceFile(path=f"tests/test_{r.table}.py", content=content, purpose=f"{r.path} tests")
        )
        for fr, tests in ids.items():
            tested.setdefault(fr, []).extend(tests)
    coverage = [
        CoverageEntry(requirement_id=fr.id, tests=list(dict.fromkeys(tested.get(fr.id, []))))
        for fr in req.functional
        if fr.status == "planned"
    ]
    untested = [c.requirement_id for c in coverage if not c.tests]
    strategy = [
        TestLevel(
            level="integration",
            description="acceptance tests per requirement through FastAPI's TestClient against "
            "a fresh SQLite file, with concrete rows that must and must not match; each is "
            "tagged @pytest.mark.requirement('FR-n') with the requirements it checks",
            tools=["pytest", "httpx"],
        ),
        TestLevel(
            level="security",
            description="a second user gets 404 for the first user's rows (403 for shared rows "
            "it may only read), a user without the role gets 403, no credential gets 401",
            tools=["pytest"],
        ),
        TestLevel(
            level="contract",
            description="the service against its own OpenAPI document (Schemathesis, run by "
            "featureline's verifier)",
            tools=["schemathesis"],
        ),
        TestLevel(
            level="load", description="the performance step's load test script", tools=["httpx"]
        ),
    ]
    if untested:
        strategy.append(
            TestLevel(
                level="unit",
                description="no behavioural test is generated for "
                + ", ".join(untested)
                + ": the builtin generator could not map their criteria to a behaviour it "
                "builds, so they are untested (not claimed)",
            )
        )
    strategy += [
        TestLevel(level="unit", description=f"Feedback recorded by the builtin generator: {c}")
        for c in feedback
    ]
    return TestingArtifact(
        strategy=strategy,
        test_files=files,
        test_command="python -m pytest -q",
        coverage=coverage,
        execution=None,
    )

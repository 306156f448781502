"""Pure: whether each functional requirement was verified by tests of its own.

A requirement counts as ``passed`` only when at least one test that declares it with
``@pytest.mark.requirement("FR-n")`` ran, and every such test passed. Generic tests that
merely touch the same endpoint do not count for it (DESIGN rule 9).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from featureline.artifacts import RequirementsArtifact
from featureline.artifacts.testing import TestOutcome

AcceptanceResult = Literal["passed", "failed", "untested", "deferred"]


@dataclass(frozen=True)
class Acceptance:
    requirement: str
    title: str
    result: AcceptanceResult
    tests: tuple[str, ...]
    failing: tuple[str, ...] = ()

    @property
    def reason(self) -> str:
        if self.result == "deferred":
            return "deferred by the specialist: not implemented"
        if self.result == "failed":
            return f"its own test(s) failed: {', '.join(self.failing)}"
        if self.tests:
            return f"its tagged test(s) did not pass (skipped): {', '.join(self.tests)}"
        return (
            "no test declares it: tag the tests that check its acceptance criteria with "
            f'@pytest.mark.requirement("{self.requirement}")'
        )


def tagged_tests(outcomes: list[TestOutcome], requirement: str) -> list[TestOutcome]:
    return [o for o in outcomes if requirement in o.requirement_ids]


def judge_requirement(
    requirement: str, title: str, status: str, outcomes: list[TestOutcome]
) -> Acceptance:
    tagged = tagged_tests(outcomes, requirement)
    tests = tuple(o.test_id for o in tagged)
    if status == "deferred":
        return Acceptance(requirement, title, "deferred", tests)
    failing = tuple(o.test_id for o in tagged if o.outcome in {"failed", "error"})
    if failing:
        return Acceptance(requirement, title, "failed", tests, failing)
    if tagged and all(o.outcome == "passed" for o in tagged):
        return Acceptance(requirement, title, "passed", tests)
    return Acceptance(requirement, title, "untested", tests)


def judge_acceptance(
    requirements: RequirementsArtifact, outcomes: list[TestOutcome]
) -> list[Acceptance]:
    """One verdict per functional requirement, in the requirements' order."""
    return [judge_requirement(r.id, r.title, r.status, outcomes) for r in requirements.functional]

"""Step 6: testing — strategy, test files, coverage map and (once run) the report."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from featureline.artifacts.base import Artifact, Part
from featureline.artifacts.implementation import SourceFile


class TestLevel(Part):
    __test__ = False  # not a pytest class

    level: Literal["unit", "integration", "contract", "end_to_end", "load", "security"]
    description: str
    tools: list[str] = Field(default_factory=list)


class CoverageEntry(Part):
    requirement_id: str
    tests: list[str] = Field(description="test ids, e.g. tests/test_api.py::test_create")


class TestOutcome(Part):
    __test__ = False

    test_id: str = Field(description="e.g. tests/test_api.py::test_create")
    outcome: Literal["passed", "failed", "error", "skipped"]
    duration_s: float = 0.0
    message: str = ""
    requirement_ids: list[str] = Field(
        default_factory=list,
        description="the FRs the test declares with @pytest.mark.requirement('FR-n'), as "
        "featureline's own pytest plugin recorded them",
    )


class ExecutionReport(Part):
    command: str
    passed: int
    failed: int
    errors: int
    skipped: int = 0
    duration_s: float
    output_tail: str
    ran_at: datetime
    sandbox: str = Field(default="", description="how the tests were isolated")
    results: list[TestOutcome] = Field(default_factory=list, description="per test, when known")


class TestingArtifact(Artifact):
    """Tests that exercise the requirements' acceptance criteria with concrete data.

    Each behavioural test declares the FRs it checks with ``@pytest.mark.requirement("FR-1")``
    (featureline registers the marker and records it per test); an FR counts as tested only
    when such a test of its own passed — generic CRUD tests do not count for it.
    """

    __test__ = False

    step: ClassVar[str] = "testing"

    strategy: list[TestLevel]
    test_files: list[SourceFile]
    test_command: str
    coverage: list[CoverageEntry]
    execution: ExecutionReport | None = Field(
        default=None, description="filled in only after the tests have actually run"
    )

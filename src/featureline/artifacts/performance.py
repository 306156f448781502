"""Step 7: performance — caching, indexes, a load test, and what was measured."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from featureline.artifacts.base import Artifact, Part
from featureline.artifacts.implementation import SourceFile


class CachingStrategy(Part):
    target: str
    strategy: str
    ttl_seconds: int | None = None
    invalidation: str


class IndexNote(Part):
    table: str
    index: str
    serves: str = Field(description="the endpoint or query this index serves")
    query: str
    plan: str = Field(default="", description="the query plan, when it was obtained")


class LoadResult(Part):
    scenario: str
    endpoint: str
    requests: int
    p50_ms: float
    p95_ms: float
    throughput_rps: float
    error_rate: float


class NfrVerdict(Part):
    nfr_id: str
    target: str
    measured: str
    verdict: Literal["met", "not_met", "not_measured"]
    evidence: str


class PerformanceArtifact(Artifact):
    step: ClassVar[str] = "performance"

    caching: list[CachingStrategy]
    indexing: list[IndexNote]
    load_test_script: SourceFile
    load_test_command: str
    results: list[LoadResult] = Field(default_factory=list)
    verdicts: list[NfrVerdict]
    recommendations: list[str] = Field(default_factory=list)

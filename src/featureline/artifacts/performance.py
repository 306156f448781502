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
    operations: list[str] = Field(
        default_factory=list, description="the operations measured, e.g. 'GET /v1/l/{code}'"
    )


class PerformanceArtifact(Artifact):
    """How the service stays fast, and the load run that proves it.

    The load run is executed by featureline's verifier in the sandbox: it starts the
    implementation's ``entry_point`` with uvicorn on 127.0.0.1, runs ``seed_script`` (if
    any) from the service root — it prints one JSON object whose values become environment
    variables of the load test (e.g. ``{"LOADTEST_BEARER": ...}``; the sandbox drops names that
    look secret, such as ``*TOKEN*``) — then runs ``load_test_command`` with
    ``{base_url}`` filled in. The load test prints one JSON object per line, shaped like
    LoadResult. A seed that reports ``LOADTEST_ROWS`` lets a data-volume target be judged.
    """

    step: ClassVar[str] = "performance"

    caching: list[CachingStrategy]
    indexing: list[IndexNote]
    load_test_script: SourceFile
    load_test_command: str = Field(
        description="argv run from the service root; '{base_url}' is replaced by the server URL"
    )
    seed_script: SourceFile | None = Field(
        default=None, description="prepares data and credentials; prints a JSON object of env vars"
    )
    results: list[LoadResult] = Field(default_factory=list)
    verdicts: list[NfrVerdict]
    recommendations: list[str] = Field(default_factory=list)

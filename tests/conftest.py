"""Shared fixtures: every test runs in its own directory with its own store and no keys."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REQUESTS = REPO / "examples" / "requests"
SAMPLE_REQUESTS = sorted(REQUESTS.glob("*.md"))
PG_URL = os.environ.get("FEATURELINE_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in a temp dir with a private store; never see a real API key, never reach the
    real API (a specialist refuses any non-local base URL while FEATURELINE_BLOCK_REAL_API=1)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("FEATURELINE_STORE", str(tmp_path / "store.sqlite"))
    monkeypatch.setenv("FEATURELINE_BLOCK_REAL_API", "1")
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "ANTHROPIC_AUTH_TOKEN",
        "FEATURELINE_BUILTIN_DELAY",
        "FEATURELINE_MODEL",
    ):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def postgres_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The local PostgreSQL; in CI its absence is a failure, elsewhere a skip with a reason."""
    if not postgres_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL} (CI must start it)")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    return PG_URL


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same tests over every store backend (like LangGraph's checkpoint conformance suite)."""
    if request.param == "sqlite":
        yield str(tmp_path / f"runs-{uuid.uuid4().hex[:6]}.sqlite")
    else:
        yield request.getfixturevalue("pg_url")

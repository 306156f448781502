"""Shared fixtures: every test runs in its own directory with its own store and no keys."""

from __future__ import annotations

import fnmatch
import os
import secrets
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from featureline.checks.databases import PG_URL_ENV, postgres_url

REPO = Path(__file__).resolve().parents[1]
REQUESTS = REPO / "examples" / "requests"
SAMPLE_REQUESTS = sorted(REQUESTS.glob("*.md"))
# One variable for the tests and the DDL check alike: what the tests prove reachable is the
# server the check executes on.
PG_URL = postgres_url()


def in_ci() -> bool:
    """CI=true (or 1/yes), as CI services set it: there a missing service fails the run."""
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("FEATURELINE_TEST_PG_URL"):
        raise pytest.UsageError(
            f"FEATURELINE_TEST_PG_URL is no longer read: set {PG_URL_ENV} (the tests and the "
            "schema check use the same server)"
        )


#: Tests measured at 5 s or more on 2 cores (``pytest --durations``): verified runs in the
#: sandbox, kill -9 and resume, browsers, process races. They form the ``slow`` tier, which
#: ``make test`` leaves out (it stays a few minutes) and ``make test-slow`` / CI run.
SLOW = (
    "tests/test_generated_services.py::*",
    "tests/test_ui_browser.py::*",
    "tests/test_dead_end.py::*",
    "tests/test_sandbox_escape.py::test_kill_9*",
    "tests/test_cli_paths.py::test_check_run_*",
    "tests/test_cli_paths.py::test_output_is_byte_identical*",
    "tests/test_human_gate.py::test_reject_reruns*",
    "tests/test_crash_resume.py::test_kill_during_sandbox*",
    "tests/test_cli_end_to_end.py::test_run_show_export",
    "tests/test_builtin_service.py::test_generated_tests_pass*",
    "tests/test_builtin_service.py::test_a_seeded_defect*",
    "tests/test_gates_disabled.py::*[[]verify.*",
    "tests/test_verification.py::*",
    "tests/test_ui_security.py::test_every_step_page*",
    "tests/test_review_race.py::*",
    "tests/test_store_conformance.py::test_kill_9*",
    "tests/test_store_conformance.py::test_review_from_a_second_process*",
    "tests/test_store_conformance.py::test_under_ci_a_missing_postgresql*",
    "tests/test_lease.py::test_two_resumes*",
    "tests/test_lease.py::test_racing_reviews*",
    "tests/test_fuzz.py::*",
    "tests/test_anthropic_provider.py::test_slow_answers*",
    "tests/test_rewind.py::test_a_run_still_executing*",
    "tests/test_verification_gates.py::*",
    "tests/test_readpath.py::*",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if any(fnmatch.fnmatchcase(item.nodeid, pattern) for pattern in SLOW):
            item.add_marker(pytest.mark.slow)


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


def postgres_problem() -> str | None:
    """Why the PostgreSQL at PG_URL cannot be used, or None when it answers."""
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
        return None
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


@pytest.fixture(scope="session")
def pg_url() -> str:
    """The PostgreSQL at $FEATURELINE_PG_URL; under CI its absence fails the test, elsewhere
    it skips with the reason."""
    problem = postgres_problem()
    if problem is not None:
        message = f"PostgreSQL not reachable at {PG_URL} ({PG_URL_ENV}): {problem}"
        if in_ci():
            pytest.fail(f"{message} — CI must provide it", pytrace=False)
        pytest.skip(message)
    return PG_URL


def with_search_path(url: str, schema: str) -> str:
    """``url`` with every table created and read in ``schema`` (libpq ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def pg_store_url(pg_url: str) -> Iterator[str]:
    """A PostgreSQL store of the test's own: a fresh schema in the shared database, dropped
    afterwards, so no test sees (or leaves behind) another's runs."""
    import psycopg

    schema = f"featureline_test_{secrets.token_hex(6)}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(pg_url, schema)
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same tests over every store backend (like LangGraph's checkpoint conformance suite)."""
    if request.param == "sqlite":
        return str(tmp_path / f"runs-{uuid.uuid4().hex[:6]}.sqlite")
    url: str = request.getfixturevalue("pg_store_url")
    return url

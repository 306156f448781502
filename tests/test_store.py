"""The store conformance suite: the same tests over SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from featureline.errors import StoreError, UnknownRunError
from featureline.runindex import RunInfo
from featureline.store import open_store


def _info(run_id: str) -> RunInfo:
    now = datetime.now(UTC)
    return RunInfo(
        run_id=run_id,
        title="Bookmarks",
        created_at=now,
        updated_at=now,
        status="running",
        pipeline="backend-feature",
        provider="builtin",
        options={"gates": "auto"},
        pid=1,
        host="h",
    )


def test_run_index_round_trip(store_url: str) -> None:
    run_id = f"bookmarks-{uuid4().hex[:8]}"
    with open_store(store_url) as store:
        store.runs.create(_info(run_id))
        assert store.runs.exists(run_id)
        store.runs.set_status(run_id, "waiting")
    with open_store(store_url) as store:  # a new connection sees it
        info = store.runs.get(run_id)
        assert (info.status, info.options, info.title) == (
            "waiting",
            {"gates": "auto"},
            "Bookmarks",
        )
        assert run_id in {r.run_id for r in store.runs.list()}


def test_unknown_run_id(store_url: str) -> None:
    with (
        open_store(store_url) as store,
        pytest.raises(UnknownRunError, match="no run with id 'nope-0000'"),
    ):
        store.runs.get("nope-0000")


def test_corrupt_sqlite_file_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "runs.sqlite"
    path.write_bytes(b"this is not a database" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a readable featureline store"), open_store(str(path)):
        pass
    assert path.read_bytes() == before


def test_unreachable_postgres_and_bad_urls(tmp_path: Path) -> None:
    with (
        pytest.raises(StoreError, match="cannot connect to PostgreSQL"),
        open_store("postgresql://nobody@127.0.0.1:1/none?connect_timeout=2"),
    ):
        pass
    with pytest.raises(StoreError, match="unsupported store URL"), open_store("redis://localhost"):
        pass
    with pytest.raises(StoreError, match="directory"), open_store(str(tmp_path)):
        pass


def test_sqlite_url_forms(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b.sqlite"
    with open_store(f"sqlite:///{target}") as store:
        store.runs.create(_info("x-0001"))
    assert target.exists()

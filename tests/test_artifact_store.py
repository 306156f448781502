"""The content-addressed artifact store on both backends: stored once, read back equal,
damage detected; checkpoints hold references; runs recorded before it (artifacts inline
in the state) stay readable, and can be rewound and forked."""

from __future__ import annotations

import uuid
import zlib
from pathlib import Path
from typing import Any

import pytest

from featureline import Pipeline, Workspace
from featureline.agents import load_agents
from featureline.artifacts.base import content_hash
from featureline.engine import Engine, RunOptions
from featureline.errors import StoreError
from featureline.graph import RunContext, compiled_graph, initial_state
from featureline.paths import default_agents_dir, resolve_pipeline_path
from featureline.pipeline import load_pipeline
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import read_request
from featureline.store import open_store
from tests.runstates import BOOKMARKS, raw_state


def test_blobs_are_stored_once_and_read_back_equal(store_url: str) -> None:
    data = {"marker": uuid.uuid4().hex, "nested": [1, "two", {"three": None}], "text": "é"}
    with open_store(store_url) as store:
        first = store.blobs.put(data)
        again = store.blobs.put(dict(reversed(list(data.items()))))  # same content
        assert first == again == content_hash(data)
        ph = "%s" if store_url.startswith("postgres") else "?"
        row = store.blobs._conn.execute(
            f"SELECT count(*) FROM featureline_blobs WHERE hash = {ph}", (first,)
        ).fetchone()
        assert tuple(row) == (1,)
    with open_store(store_url) as store:  # a new connection: no cache
        assert store.blobs.get(first) == data
        assert store.blobs.get_many([first, first]) == {first: data}
        with pytest.raises(StoreError, match="missing"):
            store.blobs.get("sha256:" + "0" * 64)
        _delete(store, first)


def test_a_damaged_blob_is_a_store_error(store_url: str) -> None:
    data = {"marker": uuid.uuid4().hex}
    with open_store(store_url) as store:
        digest = store.blobs.put(data)
        ph = "%s" if store_url.startswith("postgres") else "?"
        tampered = zlib.compress(b'{"marker":"someone else"}')
        store.blobs._conn.execute(
            f"UPDATE featureline_blobs SET data = {ph} WHERE hash = {ph}", (tampered, digest)
        )
        if not store_url.startswith("postgres"):
            store.blobs._conn.commit()
    with open_store(store_url) as store:
        try:
            with pytest.raises(StoreError, match="does not match its hash"):
                store.blobs.get(digest)
        finally:
            _delete(store, digest)


def _delete(store: Any, digest: str) -> None:
    ph = "%s" if store.url.startswith(("postgres://", "postgresql://")) else "?"
    store.blobs._conn.execute(f"DELETE FROM featureline_blobs WHERE hash = {ph}", (digest,))
    if not store.url.startswith(("postgres://", "postgresql://")):
        store.blobs._conn.commit()


def _inline_run(store_url: str) -> str:
    """A run stored the way runs were before the artifact store: artifacts in the state."""
    spec = load_pipeline(resolve_pipeline_path(None))
    agents = load_agents(default_agents_dir())
    feature = read_request(BOOKMARKS)
    with open_store(store_url) as store:
        engine = Engine(store, BuiltinSpecialist())
        info = engine.create(feature, RunOptions(spec=spec, agents=agents, verify=False))
        context = RunContext(agents=agents, specialist=BuiltinSpecialist(), critic=BuiltinCritic())
        graph = compiled_graph(spec, None, store.checkpointer)
        config: Any = {"configurable": {"thread_id": info.run_id}, "recursion_limit": 1000}
        graph.invoke(initial_state(info.run_id, feature, spec), config, context=context)
        store.runs.set_status(info.run_id, "done")
    return info.run_id


def test_runs_with_inline_artifacts_stay_readable_and_can_be_rewound_and_forked(
    store_url: str,
) -> None:
    old = _inline_run(store_url)
    assert all("artifact" in r for r in raw_state(store_url, old)["records"])
    workspace = Workspace(store=store_url)
    view = workspace.status(old)
    assert view.status == "done"
    assert set(workspace.artifacts(old)) == {s.id for s in view.steps}

    rewound = workspace.rewind(old, "docs", comment="add a FAQ")
    assert rewound.status == "done" and rewound.step("docs").attempts == 2
    records = raw_state(store_url, old)["records"]
    assert ["artifact" in r for r in records if r["step"] == "docs"] == [True, False]

    fork = workspace.fork(old, at="docs")
    assert fork.status == "done"
    assert all("artifact" not in r for r in raw_state(store_url, fork.info.run_id)["records"])
    assert fork.step("schema").approved == view.step("schema").approved


def test_checkpoints_of_a_run_hold_references_only(tmp_path: Path) -> None:
    store = str(tmp_path / "refs.sqlite")
    run_id = Pipeline.load(provider="builtin", store=store, verify=False).run(BOOKMARKS).info.run_id
    with open_store(store) as opened:
        view_records = Workspace(store=store).status(run_id).steps
        hashes = {r.content_hash for s in view_records for r in s.records}
        found = opened.blobs.get_many(hashes)
        assert {content_hash(v) for v in found.values()} == hashes
        # no checkpoint carries an artifact: the largest text of one is not in any of them
        implementation = next(s for s in view_records if s.id == "implementation").records[0]
        needle = max((f["content"] for f in implementation.artifact["files"]), key=len)[:200]
        for (blob,) in opened.blobs._conn.execute("SELECT checkpoint FROM checkpoints"):
            assert needle.encode() not in bytes(blob)

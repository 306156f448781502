"""A call in flight when featureline is killed (SIGKILL) is billed by the API but never reaches
the run's ledger: the reservation journal keeps it, `cost` shows it as possibly billed, and
a resume counts it against `--max-cost` (a real subprocess, the local fake Messages API)."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

import pytest

from featureline.api import Workspace
from featureline.reservations import SqlReservations
from featureline.store import open_store
from featureline.testing import FakeMessagesAPI
from tests.clihelpers import invoke
from tests.conftest import REQUESTS
from tests.killhelpers import kill_while_a_call_is_held

KEY = "sk-ant-test-journal-0123456789"


def test_a_call_in_flight_at_a_kill_is_possibly_billed_and_counted_on_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with FakeMessagesAPI(api_key=KEY) as api:
        run_id = kill_while_a_call_is_held(api, tmp_path, KEY)
        assert len(Workspace().runs()) == 1
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)

        code, out = invoke("cost", run_id, "--json")
        assert code == 0, out
        report = json.loads(out)
        assert report["total"]["calls"] == 0  # the ledger never heard of the call
        lost = report["possibly_billed"]
        assert lost["calls"] == 1
        [entry] = lost["entries"]
        assert (entry["step"], entry["purpose"], entry["answered"]) == (
            "requirements",
            "produce",
            False,
        )
        worst = Decimal(lost["cost_usd"])
        assert worst == Decimal(entry["worst_usd"]) > 0

        code, text = invoke("cost", run_id)
        assert code == 0, text
        assert f"possibly billed: ${worst:.4f} on 1 call(s) a killed process sent" in text
        assert "requirements attempt 1 produce" in text and "in flight, worst case" in text

        # the budget a fresh requirements call fits in (the killed one's own worst case),
        # but not on top of what the killed call possibly cost: nothing may be sent
        sent = len(api.requests)
        code, out = invoke("resume", run_id, "--max-cost", str(worst))
        assert len(api.requests) == sent, out
        step = Workspace().status(run_id).step("requirements")
        assert step.status == "over_budget", out
        assert step.error is not None and f"${worst:.4f}" in step.error

        code, out = invoke("status", run_id)
        assert "over_budget" in out and "possibly billed: $" in out, out

        # a budget that holds both: the run goes on, and the lost call stays on record
        code, out = invoke("resume", run_id, "--max-cost", str(worst * 20))
        assert code == 0 and len(api.requests) > sent, out
        view = Workspace().status(run_id)
        assert view.status == "done" and [r.cost_usd for r in view.possibly_billed] == [worst]


def test_the_journal_keeps_rows_until_the_ledger_has_them(tmp_path: Path) -> None:
    """Rows of a finished Claude run are pruned once its ledger records them; a row the
    ledger never got stays (it is what `cost` reports when its process is gone)."""
    with FakeMessagesAPI(api_key=KEY) as api:
        env = {"ANTHROPIC_BASE_URL": api.base_url, "ANTHROPIC_API_KEY": KEY}
        for name, value in env.items():
            os.environ[name] = value
        try:
            code, out = invoke(
                "run", str(REQUESTS / "bookmarks.md"), "--provider", "anthropic", "--no-verify"
            )
        finally:
            for name in env:
                os.environ.pop(name, None)
    assert code == 0, out
    [info] = Workspace().runs()
    view = Workspace().status(info.run_id)
    assert view.ledger.entries and all(e.reservation for e in view.ledger.entries)
    assert not view.possibly_billed
    with open_store(None) as store:
        journal: SqlReservations = store.reservations
        assert journal.for_run(info.run_id) == []

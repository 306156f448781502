"""A run's view from what its store holds, whoever read the checkpoint: the engine (through
LangGraph's snapshot) and the reading commands (:mod:`featureline.readpath`, plain values)
both end here, so `status` shows the same whichever path read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from featureline.errors import StoreError
from featureline.pipeline import PipelineSpec
from featureline.reservations import JournalRow, journal_owner_alive, possibly_billed
from featureline.runindex import RunInfo
from featureline.state import BlobReader, RunState, evidence_data, with_artifacts
from featureline.views import RunView, build_view

if TYPE_CHECKING:
    from featureline.lease import Holder


def resolved_state(values: dict[str, Any], blobs: BlobReader | None) -> RunState:
    """The state with stored artifacts and evidence filled in, for views."""
    try:
        records = with_artifacts(list(values.get("records", [])), blobs)
        evidence = evidence_data(list(values.get("evidence", [])), blobs)
    except LookupError as exc:
        raise StoreError(f"a run's artifacts are not readable: {exc}") from exc
    return {**values, "records": records, "evidence": evidence}  # type: ignore[typeddict-item]


def spec_of(info: RunInfo) -> PipelineSpec:
    """The pipeline a run was started with, as its index entry keeps it."""
    try:
        return PipelineSpec.model_validate(info.options["spec"])
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"a run's stored options are unreadable ({exc!r})") from exc


def run_view(
    info: RunInfo,
    spec: PipelineSpec,
    values: dict[str, Any],
    *,
    interrupts: list[tuple[str, dict[str, Any]]],
    has_next: bool,
    writer_alive: bool,
    checkpoints: int,
    blobs: BlobReader | None,
    journal: Sequence[JournalRow],
    holder: Holder | None,
) -> RunView:
    """Assemble the view: state resolved from the blob store, status derived from it, and
    the calls a killed process possibly paid for (journal rows no ledger holds)."""
    state = resolved_state(values, blobs)
    view = build_view(info, spec, state, interrupts, has_next, writer_alive, checkpoints)
    view.possibly_billed = possibly_billed(
        journal, view.ledger.reservations, lambda row: journal_owner_alive(row, holder)
    )
    return view


__all__ = ["resolved_state", "run_view", "spec_of"]

"""The Python API: ``Pipeline`` loads a pipeline once, then runs, resumes, reviews and reads runs.

Every call opens the store for its own duration, so several processes can share a store
and a crash never leaves a connection behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Self

from featureline.agents import AgentSpec, load_agents
from featureline.artifacts import Artifact
from featureline.checks import Finding
from featureline.engine import Engine, ProgressCallback, RunOptions
from featureline.errors import ReviewError
from featureline.export import export_run
from featureline.gates import GateDecision
from featureline.ledger import Ledger
from featureline.paths import default_agents_dir, resolve_pipeline_path
from featureline.pipeline import GatePolicy, PipelineSpec, load_pipeline
from featureline.providers import Specialist, make_specialist
from featureline.request import FeatureRequest, read_request
from featureline.runindex import RunInfo
from featureline.store import Store, open_store, resolve_store_url
from featureline.views import RunView


class Workspace:
    """A store and a specialist: everything but starting a run (resume, review, read, export).

    Runs carry their own pipeline and agents, so none of these need the YAML files again.
    """

    def __init__(self, specialist: Specialist | None = None, *, store: str | None = None) -> None:
        self.specialist = specialist or make_specialist(None)
        self.store_url = resolve_store_url(store)
        self._open: ExitStack | None = None
        self._store: Store | None = None

    def __enter__(self) -> Self:
        """Keep the store open across calls (required for an in-memory ``:memory:`` store)."""
        self._open = ExitStack()
        self._store = self._open.enter_context(open_store(self.store_url))
        return self

    def __exit__(self, *exc: Any) -> None:
        # hand the exception to the store, which turns database errors into a StoreError
        opened, self._open, self._store = self._open, None, None
        if opened is not None:
            opened.__exit__(*exc)

    @contextmanager
    def _engine(self) -> Iterator[Engine]:
        if self._store is not None:
            yield Engine(self._store, self.specialist)
            return
        with open_store(self.store_url) as store:
            yield Engine(store, self.specialist)

    def resume(
        self,
        run_id: str,
        on_event: ProgressCallback | None = None,
        *,
        max_cost: Decimal | float | str | None = None,
    ) -> RunView:
        """Continue a run; ``max_cost`` (USD) replaces its budget first (e.g. to raise it after
        a budget stop)."""
        budget = Decimal(str(max_cost)) if max_cost is not None else None
        with self._engine() as engine:
            return engine.resume(run_id, on_event, budget)

    def review(
        self,
        run_id: str,
        *,
        approve: bool = False,
        reject: str | None = None,
        edit: dict[str, Any] | None = None,
        step: str | None = None,
        reviewer: str = "reviewer",
        comment: str = "",
        on_event: ProgressCallback | None = None,
        attempt: int | None = None,
        reopen: str | None = None,
    ) -> RunView:
        """Answer the waiting gate: one of ``approve``, ``reject`` (a comment), ``edit``.
        ``attempt`` refuses the decision unless the gate still waits for that attempt;
        ``reopen`` (with ``reject``) sends that upstream step back instead."""
        chosen = [
            name
            for name, on in (
                ("approve", approve),
                ("reject", reject is not None),
                ("edit", edit is not None),
            )
            if on
        ]
        if len(chosen) != 1:
            raise ReviewError("give exactly one of approve, reject or edit")
        decision = GateDecision(
            verdict=chosen[0],  # type: ignore[arg-type]
            comment=reject if reject is not None else comment,
            reviewer=reviewer,
            artifact=edit,
        )
        with self._engine() as engine:
            return engine.review(
                run_id, decision, step=step, on_event=on_event, attempt=attempt, reopen=reopen
            )

    def rewind(
        self,
        run_id: str,
        step: str,
        *,
        comment: str = "",
        reviewer: str = "reviewer",
        on_event: ProgressCallback | None = None,
    ) -> RunView:
        """Reopen ``step`` of a run (waiting, finished, failed or stopped): it runs again with
        ``comment`` as feedback and so does everything downstream; earlier attempts stay."""
        with self._engine() as engine:
            return engine.rewind(run_id, step, comment, reviewer, on_event)

    def fork(
        self,
        run_id: str,
        *,
        at: str | None = None,
        options: RunOptions | None = None,
        on_event: ProgressCallback | None = None,
    ) -> RunView:
        """A new run from ``run_id``'s approved artifacts upstream of ``at`` (default: its
        first step not approved), running ``at`` onward with ``options`` (default: the
        source run's own); the source run is not touched."""
        with self._engine() as engine:
            source = engine.store.runs.get(run_id)
            chosen = options or RunOptions.from_json(source.options)
            info, state = engine.fork(run_id, chosen, at)
            return engine.start_from(info, state, on_event)

    def status(self, run_id: str, *, count_checkpoints: bool = False) -> RunView:
        with self._engine() as engine:
            return engine.view(run_id, count_checkpoints=count_checkpoints)

    def runs(self) -> list[RunInfo]:
        with self._engine() as engine:
            return engine.store.runs.list()

    def artifacts(self, run_id: str) -> dict[str, Artifact]:
        """Each step's approved artifact (or its latest attempt while not yet approved)."""
        view = self.status(run_id)
        return {
            step.id: artifact for step in view.steps if (artifact := step.artifact()) is not None
        }

    def recheck(
        self, run_id: str, steps: list[str] | None = None, *, verify: bool = True
    ) -> dict[str, list[Finding] | None]:
        """Run the checks again on each step's stored artifact (approved, else latest);
        ``verify`` also runs the generated code in a sandbox."""
        with self._engine() as engine:
            return engine.recheck(run_id, steps, verify)

    def history(self, run_id: str) -> list[dict[str, Any]]:
        with self._engine() as engine:
            return engine.history(run_id)

    def ledger(self, run_id: str) -> Ledger:
        """Every model call of a run, priced: ``.by_step()``, ``.by_model()``, ``.total()``."""
        return self.status(run_id).ledger

    def export(self, run_id: str, directory: str | Path, *, force: bool = False) -> list[Path]:
        """Write the run's files to ``directory``; one that is not empty only with ``force``,
        which replaces just what an earlier export wrote there."""
        return export_run(self.status(run_id), Path(directory), force=force)


class Pipeline(Workspace):
    """A pipeline definition and its agents on top of a Workspace: starts new runs."""

    def __init__(
        self,
        spec: PipelineSpec,
        agents: dict[str, AgentSpec],
        specialist: Specialist,
        *,
        store: str | None = None,
        gates: GatePolicy | None = None,
        model: str | None = None,
        verify: bool = True,
        max_cost: Decimal | float | str | None = None,
        prices: str | Path | None = None,
    ) -> None:
        super().__init__(specialist, store=store)
        self.spec = spec
        self.agents = agents
        self.gates = gates
        self.model = model
        self.verify = verify
        self.max_cost = Decimal(str(max_cost)) if max_cost is not None else None
        self.prices = str(Path(prices).resolve()) if prices is not None else None

    @classmethod
    def load(
        cls,
        graph: str | Path | None = None,
        *,
        agents: str | Path | None = None,
        provider: str | Specialist | None = None,
        store: str | None = None,
        gates: GatePolicy | None = None,
        model: str | None = None,
        verify: bool = True,
        max_cost: Decimal | float | str | None = None,
        prices: str | Path | None = None,
    ) -> Pipeline:
        """Load a pipeline (a YAML path or a shipped name) and the agents it uses.
        ``verify=False`` skips running generated code in the sandbox (findings say so);
        ``max_cost`` (USD) stops the run before a call that could pass it; ``prices`` is a
        price file overriding the shipped table."""
        spec = load_pipeline(resolve_pipeline_path(graph))
        loaded = load_agents(Path(agents) if agents else default_agents_dir())
        specialist = provider if isinstance(provider, Specialist) else make_specialist(provider)
        return cls(
            spec,
            loaded,
            specialist,
            store=store,
            gates=gates,
            model=model,
            verify=verify,
            max_cost=max_cost,
            prices=prices,
        )

    def run(
        self, request: str | FeatureRequest, on_event: ProgressCallback | None = None
    ) -> RunView:
        """Start a new run; returns when it is done, waiting for review, or failed."""
        feature = request if isinstance(request, FeatureRequest) else read_request(request)
        options = RunOptions(
            spec=self.spec,
            agents=self.agents,
            gates=self.gates,
            model=self.model,
            verify=self.verify,
            max_cost=self.max_cost,
            prices=self.prices,
        )
        with self._engine() as engine:
            info = engine.create(feature, options)
            return engine.start(info, on_event)

"""Budgets that hold: every call reserves its worst case before it is sent, across re-asks,
parallel steps and calls whose outcome is unknown (all against the local fake API)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from featureline.agents import AgentSpec, load_agent
from featureline.artifacts import Artifact
from featureline.budget import BudgetBook, BudgetReservationError
from featureline.errors import BudgetExceededError, FeaturelineError
from featureline.ledger import Ledger, price_calls
from featureline.models import HAIKU, OPUS
from featureline.pipeline import load_pipeline
from featureline.providers import anthropic as provider
from featureline.providers.anthropic import AnthropicSpecialist, ApiTimeoutError
from featureline.providers.base import StepTask, paid_calls
from featureline.providers.builtin import BuiltinSpecialist
from featureline.request import FeatureRequest, read_request
from featureline.testing import FakeMessagesAPI, Fault
from tests.conftest import REPO

KEY = "sk-ant-test-budget-0123456789"
_NOW = datetime(2026, 1, 1, tzinfo=UTC)
PIPELINE = load_pipeline(REPO / "graphs" / "backend-feature.yaml")


@pytest.fixture(autouse=True)
def _block_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider.BLOCK_REAL_API_ENV, "1")


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as api:
        yield api


@pytest.fixture(scope="module")
def agent() -> AgentSpec:
    return load_agent(REPO / "agents" / "backend-specialist.md")


@pytest.fixture(scope="module")
def feature() -> FeatureRequest:
    return read_request(str(REPO / "examples" / "requests" / "bookmarks.md"))


@pytest.fixture(scope="module")
def upstream(agent: AgentSpec, feature: FeatureRequest) -> dict[str, Artifact]:
    built: dict[str, Artifact] = {}
    builtin = BuiltinSpecialist()
    for step in PIPELINE.steps:
        task = _task(step.id, agent, feature, built)
        result = builtin.produce(task)
        assert isinstance(result.artifact, Artifact)
        built[step.id] = result.artifact
    return built


def _task(
    step_id: str,
    agent: AgentSpec,
    feature: FeatureRequest,
    produced: dict[str, Artifact],
    **extra: Any,
) -> StepTask:
    step = PIPELINE.step(step_id)
    return StepTask(
        run_id=extra.pop("run_id", "run-budget"),
        step=step.id,
        kind=step.kind,
        instructions=step.instructions,
        agent=agent,
        request=feature,
        inputs={dep: produced[dep] for dep in step.inputs if dep in produced},
        attempt=1,
        **extra,
    )


def _spent(calls: Any) -> Decimal:
    entries = price_calls(tuple(calls), run_id="r", step="s", attempt=1, at=_NOW)
    return Ledger(entries=tuple(entries)).total_cost


def test_the_book_refuses_what_does_not_fit_and_counts_settled_calls() -> None:
    book = BudgetBook()
    book.sync("r", Decimal("1.00"), Decimal("0.25"))
    first = book.reserve("r", "a", Decimal("0.50"))
    with pytest.raises(BudgetReservationError):
        book.reserve("r", "b", Decimal("0.30"))  # 0.25 + 0.50 + 0.30 > 1.00
    book.settle(first, Decimal("0.10"))
    assert book.remaining("r") == Decimal("0.65")
    book.sync("r", Decimal("2.00"), Decimal("0.20"))  # a raised budget; the book knows more
    assert book.remaining("r") == Decimal("1.65")


def test_re_asks_never_take_spend_past_the_budget(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    budget = Decimal("0.09")  # a design call's worst case is ~0.14, its real cost ~0.02
    fake.inject(*[Fault.invalid_artifact() for _ in range(6)])
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url, max_validation_retries=5)
    task = _task("design", agent, feature, upstream, budget_usd=budget)
    with pytest.raises(BudgetExceededError) as caught:
        specialist.produce(task)
    calls = paid_calls(caught.value)
    assert calls, "the re-asks made before the stop are kept for the ledger"
    assert 0 < len(calls) < 6  # stopped before the sixth call, not after it
    assert _spent(calls) <= budget
    assert specialist.budgets.spent("run-budget") <= budget
    assert len([r for r in fake.requests if r.kind == "design"]) == len(calls)


def test_parallel_steps_reserve_atomically(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    """Four parallel calls whose worst cases each fit the budget but not together: the ones
    that do not fit are refused before they are sent, whatever the timing."""
    budget = Decimal("0.50")
    fake.inject(*[Fault.slow(0.5) for _ in range(4)])
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url)
    outcomes: list[object] = []
    lock = threading.Lock()

    def produce(step_id: str) -> None:
        task = _task(step_id, agent, feature, upstream, budget_usd=budget)
        try:
            result: object = specialist.produce(task)
        except FeaturelineError as exc:
            result = exc
        with lock:
            outcomes.append(result)

    threads = [
        threading.Thread(target=produce, args=(s,))
        for s in ("design", "performance", "design", "performance")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refused = [o for o in outcomes if isinstance(o, BudgetExceededError)]
    assert refused, "some parallel call must have been refused"
    assert len(refused) < len(outcomes)
    sent = [r for r in fake.requests if r.kind in ("design", "performance")]
    assert len(sent) == len(outcomes) - len(refused)
    assert specialist.budgets.spent("run-budget") <= budget


def test_a_call_whose_outcome_is_unknown_counts_as_possibly_billed(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    fake.inject(Fault.slow(5.0))
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url, timeout=0.5, max_retries=0)
    task = _task("design", agent, feature, upstream, budget_usd=Decimal("0.50"))
    with pytest.raises(ApiTimeoutError) as caught:
        specialist.produce(task)
    (call,) = caught.value.calls
    assert call.outcome == "unknown"
    assert "possibly billed" in call.detail
    assert call.cost_usd is not None and call.cost_usd > 0
    assert _spent([call]) == call.cost_usd  # the ledger counts the worst case
    assert specialist.budgets.spent("run-budget") == call.cost_usd


def test_a_kill_mid_flight_is_counted_before_it_propagates(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url)

    def killed(*args: object, **kwargs: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr(specialist, "_call", killed)
    task = _task("design", agent, feature, upstream, budget_usd=Decimal("0.50"))
    with pytest.raises(KeyboardInterrupt):
        specialist.produce(task)
    (call,) = specialist.calls_for("run-budget", "design", 1)
    assert call.outcome == "unknown"
    assert specialist.budgets.spent("run-budget") == call.cost_usd


def test_max_tokens_shrinks_to_what_the_budget_affords(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url)
    task = _task("design", agent, feature, upstream, budget_usd=Decimal("0.12"))
    specialist.produce(task)
    (request,) = [r for r in fake.requests if r.kind == "design"]
    assert request.body is not None
    assert 1024 <= request.body["max_tokens"] < specialist.max_tokens["design"]


def test_max_tokens_and_re_asks_respect_the_model_output_limit(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    with FakeMessagesAPI(output_limits={"claude-old": 8_192}) as api:
        api.inject(Fault.max_tokens())
        specialist = AnthropicSpecialist(KEY, base_url=api.base_url, model="claude-old-1")
        specialist.produce(_task("design", agent, feature, upstream))  # its answer fits in 8k
        sent = [r.body["max_tokens"] for r in api.requests if r.body and r.kind]
    assert sent == [8_192, 8_192]  # capped, and the re-ask does not double past the limit


def test_model_applies_to_critic_reviewers(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    reviewer = AgentSpec(name="api-reviewer", description="d", system_prompt="p", model="opus")
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url)
    task = _task("api_spec", agent, feature, upstream, model=HAIKU)
    specialist.review(task, upstream["api_spec"], reviewer)
    without = _task("api_spec", agent, feature, upstream)
    specialist.review(without, upstream["api_spec"], reviewer)
    models = [r.body["model"] for r in fake.requests if r.body and r.kind == "review"]
    assert models == [HAIKU, OPUS]


@pytest.mark.parametrize("budget", ["0.05", "0.12", "0.25"])
def test_whole_runs_never_spend_past_max_cost(monkeypatch: pytest.MonkeyPatch, budget: str) -> None:
    """Through the CLI with parallel steps and re-asks (invalid answers injected): whatever
    the budget, the ledger never passes it, and the run stops over budget."""
    from featureline.api import Workspace
    from featureline.providers import make_specialist
    from tests.clihelpers import invoke, run_id_from

    with FakeMessagesAPI(api_key=KEY) as api:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", api.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        api.inject(Fault.slow(0.0), Fault.invalid_artifact(), Fault.invalid_artifact())
        code, out = invoke(
            "run",
            str(REPO / "examples" / "requests" / "bookmarks.md"),
            "--provider",
            "anthropic",
            "--no-verify",
            "--max-cost",
            budget,
        )
    run_id = run_id_from(out)
    ledger = Workspace(make_specialist("builtin")).ledger(run_id)
    assert ledger.total_cost <= Decimal(budget), out
    assert code == 1 and "budget" in out, out

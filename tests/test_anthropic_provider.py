"""The Claude provider through the real anthropic SDK, over real HTTP to the fake server.

No test reaches the network: every specialist points at ``FakeMessagesAPI`` on 127.0.0.1,
and real-API requests are blocked for the whole module.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from featureline.agents import AgentSpec, load_agent
from featureline.artifacts import (
    ARTIFACT_TYPES,
    ApiSpecArtifact,
    Artifact,
    RequirementsArtifact,
    SchemaArtifact,
)
from featureline.checks import CheckContext, run_checks
from featureline.errors import FeaturelineError, RunFailure, UserInputError
from featureline.ledger import Ledger, price_calls
from featureline.models import DEFAULT_MODEL, HAIKU, OPUS, InvalidModelError, resolve_model
from featureline.pipeline import PipelineSpec, load_pipeline
from featureline.providers import anthropic as provider
from featureline.providers.anthropic import (
    AnthropicSpecialist,
    AnthropicStepResult,
    ApiRequestRejectedError,
    ApiTimeoutError,
    InvalidApiKeyError,
    MissingApiKeyError,
    OverloadedError,
    RateLimitedError,
    RealRequestsBlockedError,
    RequestTooLargeError,
    ServerError,
    UnknownModelError,
    UnusableOutputError,
)
from featureline.providers.base import Specialist, StepResult, StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import BuiltinCritic, critique
from featureline.providers.prompts import build_step_prompt
from featureline.request import FeatureRequest, read_request
from featureline.review import Critic, Review
from featureline.testing import FakeMessagesAPI, Fault, RecordedRequest
from tests.conftest import REPO, SAMPLE_REQUESTS

KEY = "sk-ant-test-Sup3rSecretValue-0123456789"
PIPELINE = load_pipeline(REPO / "graphs" / "backend-feature.yaml")
AGENTS = REPO / "agents"


@pytest.fixture(autouse=True)
def _block_real_api(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(provider.BLOCK_REAL_API_ENV, "1")
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


@pytest.fixture
def fake() -> Iterator[FakeMessagesAPI]:
    with FakeMessagesAPI() as api:
        yield api


@pytest.fixture(scope="module")
def agent() -> AgentSpec:
    return load_agent(AGENTS / "backend-specialist.md")


@pytest.fixture(scope="module")
def feature() -> FeatureRequest:
    return read_request(str(REPO / "examples" / "requests" / "bookmarks.md"))


@pytest.fixture(scope="module")
def upstream(agent: AgentSpec, feature: FeatureRequest) -> dict[str, Artifact]:
    """Every step's builtin artifact, each built from its declared inputs only."""
    return _build_all(PIPELINE, agent, feature, BuiltinSpecialist())


def _task(
    spec: PipelineSpec,
    step_id: str,
    agent: AgentSpec,
    feature: FeatureRequest,
    produced: dict[str, Artifact],
    **extra: Any,
) -> StepTask:
    step = spec.step(step_id)
    return StepTask(
        run_id="run-test",
        step=step.id,
        kind=step.kind,
        instructions=step.instructions,
        agent=agent,
        request=feature,
        inputs={dep: produced[dep] for dep in step.inputs},
        attempt=extra.pop("attempt", 1),
        **extra,
    )


def _build_all(
    spec: PipelineSpec, agent: AgentSpec, feature: FeatureRequest, specialist: Specialist
) -> dict[str, Artifact]:
    produced: dict[str, Artifact] = {}
    for stage in spec.stages():
        for step_id in stage:
            result = specialist.produce(_task(spec, step_id, agent, feature, produced))
            assert isinstance(result.artifact, Artifact)
            produced[step_id] = result.artifact
    return produced


def _specialist(api: FakeMessagesAPI, **options: Any) -> AnthropicSpecialist:
    options.setdefault("timeout", 5.0)
    return AnthropicSpecialist(KEY, base_url=api.base_url, **options)


def _tags(request: RecordedRequest) -> list[str]:
    import re

    return re.findall(r'<artifact step="([^"]+)"', request.user_text)


# -- a whole production ----------------------------------------------------------------------


def test_all_eight_steps_produce_typed_artifacts_through_the_sdk(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    assert isinstance(specialist, Specialist) and isinstance(specialist, Critic)
    produced: dict[str, Artifact] = {}
    for stage in PIPELINE.stages():
        for step_id in stage:
            task = _task(PIPELINE, step_id, agent, feature, produced)
            result = specialist.produce(task)
            assert isinstance(result, AnthropicStepResult)
            assert isinstance(result.artifact, ARTIFACT_TYPES[task.kind])
            assert result.model == DEFAULT_MODEL
            assert [c.outcome for c in result.calls] == ["ok"]
            assert result.usage == result.calls[0].usage
            assert result.usage.output_tokens > 0
            # the fake answers with what the builtin makes of the same prompt: a faithful trip
            assert result.artifact == upstream[step_id]
            context = CheckContext(request=feature, upstream=produced)
            errors = [
                f
                for f in run_checks(task.kind, result.artifact.model_dump(mode="json"), context)
                if f.severity == "error"
            ]
            assert errors == [], step_id
            produced[step_id] = result.artifact
    assert len(produced) == 8
    streamed = {r.kind for r in fake.requests if r.streamed}
    assert {"implementation", "testing", "docs"} <= streamed
    assert "requirements" not in streamed


def test_cache_breakpoint_sits_on_the_stable_prefix(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    first = specialist.produce(_task(PIPELINE, "schema", agent, feature, upstream))
    second = specialist.produce(_task(PIPELINE, "api_spec", agent, feature, upstream))
    schema_req, api_req = fake.requests
    for request in (schema_req, api_req):
        assert request.body is not None
        assert request.body["system"] == [{"type": "text", "text": agent.system_prompt}]
        blocks = request.user_blocks
        marked = [i for i, b in enumerate(blocks) if "cache_control" in b]
        assert marked == [1, 2]  # the stable prefix, and the last input (design)
        assert blocks[1]["cache_control"] == {"type": "ephemeral"}
        assert blocks[0]["text"].startswith("<feature_request>")
        assert blocks[1]["text"].startswith('<artifact step="requirements"')
        assert blocks[2]["text"].startswith('<artifact step="design"')
        assert "Step: " not in blocks[0]["text"] + blocks[1]["text"] + blocks[2]["text"]
    assert first.usage.cache_creation_input_tokens > 1024
    assert first.usage.cache_read_input_tokens == 0
    # the sibling with the same inputs reads everything up to its last input
    assert second.usage.cache_read_input_tokens == first.usage.cache_creation_input_tokens
    assert second.usage.cache_creation_input_tokens == 0


def test_requirements_step_caches_after_the_request(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest
) -> None:
    _specialist(fake).produce(_task(PIPELINE, "requirements", agent, feature, {}))
    blocks = fake.requests[0].user_blocks
    assert [i for i, b in enumerate(blocks) if "cache_control" in b] == [0]
    assert blocks[-1]["text"].startswith("<instructions>\nStep: requirements (kind: requirements)")


def test_each_step_sends_only_its_declared_inputs(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    for step in PIPELINE.steps:
        specialist.produce(_task(PIPELINE, step.id, agent, feature, upstream))
    assert len(fake.requests) == len(PIPELINE.steps)
    for step, request in zip(PIPELINE.steps, fake.requests, strict=True):
        assert request.kind == step.kind
        assert sorted(_tags(request)) == sorted(step.inputs), step.id
    schema_text = fake.requests[[s.id for s in PIPELINE.steps].index("schema")].user_text
    spec = upstream["api_spec"]
    assert isinstance(spec, ApiSpecArtifact)
    assert '<artifact step="design"' in schema_text
    assert '<artifact step="api_spec"' not in schema_text
    assert "openapi_json" not in schema_text and spec.versioning not in schema_text


def test_api_key_reaches_the_server_and_nothing_else(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    fake.inject(Fault.invalid_artifact())
    result = specialist.produce(_task(PIPELINE, "design", agent, feature, upstream))
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"  # the server saw it
    entries = price_calls(
        result.calls, run_id="run-test", step="design", attempt=1, at=datetime.now(UTC)
    )
    ledger = Ledger().add(*entries)
    assert isinstance(result.artifact, Artifact)
    exposed = [
        result.artifact.model_dump_json(),
        result.usage.model_dump_json(),
        *(c.model_dump_json() for c in result.calls),
        ledger.model_dump_json(),
        repr(result),
        repr(vars(specialist)),
        *(r.raw.decode() for r in fake.requests),  # the bodies: only headers carry the key
    ]
    assert all(KEY not in text for text in exposed)


# -- faults: outcome and the exact number of HTTP calls -----------------------------------------


@pytest.mark.parametrize(
    ("faults", "step", "expected", "http_calls", "outcomes"),
    [
        ([Fault.rate_limited()], "design", None, 2, ["ok"]),
        ([Fault.overloaded()], "design", None, 2, ["ok"]),
        ([Fault.server_error()], "docs", None, 2, ["ok"]),
        ([Fault.http_error(503, retry_after_s=0.001)], "design", None, 2, ["ok"]),
        ([Fault.rate_limited()] * 4, "design", RateLimitedError, 4, None),
        ([Fault.overloaded()] * 4, "design", OverloadedError, 4, None),
        ([Fault.server_error()] * 4, "implementation", ServerError, 4, None),
        ([Fault.malformed_json()], "design", None, 2, ["error", "ok"]),
        ([Fault.malformed_json()], "docs", None, 2, ["error", "ok"]),
        ([Fault.stream_error()], "docs", OverloadedError, 1, None),
        ([Fault.http_error(400)], "design", ApiRequestRejectedError, 1, None),
        ([Fault.http_error(401)], "design", InvalidApiKeyError, 1, None),
        ([Fault.http_error(403)], "design", provider.ApiPermissionError, 1, None),
        ([Fault.http_error(404)], "design", UnknownModelError, 1, None),
        ([Fault.http_error(413)], "docs", RequestTooLargeError, 1, None),
    ],
    ids=lambda value: None,
)
def test_injected_fault(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
    faults: list[Fault],
    step: str,
    expected: type[FeaturelineError] | None,
    http_calls: int,
    outcomes: list[str] | None,
) -> None:
    specialist = _specialist(fake, max_retries=3)
    fake.inject(*faults)
    task = _task(PIPELINE, step, agent, feature, upstream)
    if expected is None:
        result = specialist.produce(task)
        assert isinstance(result.artifact, ARTIFACT_TYPES[task.kind])
        assert [c.outcome for c in result.calls] == outcomes
    else:
        with pytest.raises(expected) as caught:
            specialist.produce(task)
        message = str(caught.value)
        assert "\n" not in message and KEY not in message
        if issubclass(expected, RunFailure):
            assert caught.value.exit_code == 1
            assert "featureline resume run-test" in message
        else:
            assert issubclass(expected, UserInputError) and caught.value.exit_code == 2
    assert len(fake.requests) == http_calls
    assert fake.pending_faults == 0


def test_rate_limit_message_names_the_attempts(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    fake.inject(*[Fault.rate_limited()] * 3)
    with pytest.raises(RateLimitedError) as caught:
        _specialist(fake, max_retries=2).produce(
            _task(PIPELINE, "design", agent, feature, upstream)
        )
    assert "rate limited by the API after 3 attempts" in str(caught.value)
    assert "resume with `featureline resume run-test`" in str(caught.value)
    assert caught.value.attempts == 3 and caught.value.step == "design"


def test_slow_answers_time_out_then_retry(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    # margins for a loaded machine: an answer must come within 2 s, a slow one takes 8 s
    specialist = _specialist(fake, timeout=2.0, max_retries=1)
    task = _task(PIPELINE, "design", agent, feature, upstream)
    fake.inject(Fault.slow(8.0))
    assert [c.outcome for c in specialist.produce(task).calls] == ["ok"]
    assert len(fake.requests) == 2
    fake.reset()
    fake.inject(Fault.slow(8.0), Fault.slow(8.0))
    with pytest.raises(ApiTimeoutError) as caught:
        specialist.produce(task)
    assert len(fake.requests) == 2
    assert "did not answer in time after 2 attempts" in str(caught.value)


# -- configuration errors (exit 2) -----------------------------------------------------------


def test_missing_key_fails_before_any_http_call(
    fake: FakeMessagesAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    for key in (None, "", "   "):
        with pytest.raises(MissingApiKeyError) as caught:
            AnthropicSpecialist(key, base_url=fake.base_url)
        assert caught.value.exit_code == 2
        assert "ANTHROPIC_API_KEY" in str(caught.value)
    assert fake.requests == []


def test_key_and_base_url_come_from_the_environment(
    fake: FakeMessagesAPI,
    monkeypatch: pytest.MonkeyPatch,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
    monkeypatch.setenv("FEATURELINE_MODEL", "haiku")
    result = AnthropicSpecialist().produce(_task(PIPELINE, "design", agent, feature, upstream))
    assert result.model == HAIKU
    assert fake.requests[0].body is not None and fake.requests[0].body["model"] == HAIKU


def test_bad_key_is_a_user_error(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    with FakeMessagesAPI(api_key="sk-ant-the-right-one") as api:
        with pytest.raises(InvalidApiKeyError) as caught:
            _specialist(api).produce(_task(PIPELINE, "design", agent, feature, upstream))
        assert len(api.requests) == 1
    assert caught.value.exit_code == 2 and caught.value.status == 401
    assert KEY not in str(caught.value)


def test_unknown_model_is_a_user_error(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    with FakeMessagesAPI(known_models={DEFAULT_MODEL}) as api:
        specialist = _specialist(api, model="claude-sonnet-0-1")
        with pytest.raises(UnknownModelError) as caught:
            specialist.produce(_task(PIPELINE, "design", agent, feature, upstream))
        assert len(api.requests) == 1
    assert caught.value.exit_code == 2
    assert "claude-sonnet-0-1" in str(caught.value)


def test_request_too_large_is_a_user_error(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    with FakeMessagesAPI(max_request_bytes=2_000) as api:
        with pytest.raises(RequestTooLargeError) as caught:
            _specialist(api).produce(_task(PIPELINE, "design", agent, feature, upstream))
        assert len(api.requests) == 1
    assert caught.value.exit_code == 2


def test_real_api_is_blocked_in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(RealRequestsBlockedError):
        AnthropicSpecialist(KEY)
    monkeypatch.setattr(provider, "ALLOW_REAL_REQUESTS", False)
    monkeypatch.delenv(provider.BLOCK_REAL_API_ENV)
    with pytest.raises(RealRequestsBlockedError):
        AnthropicSpecialist(KEY, base_url="https://api.anthropic.com")
    AnthropicSpecialist(KEY, base_url="http://127.0.0.1:9")  # loopback is fine


# -- unusable answers: re-asked with the reason, every call counted ------------------------------


@pytest.mark.parametrize("step", ["requirements", "implementation"])
def test_json_wrapped_in_prose_or_a_fence_is_read_without_a_re_ask(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
    step: str,
) -> None:
    """A server (or model) that ignores output_config answers "Here is ... ```json ...```":
    the artifact inside is used as is, in one call."""
    specialist = _specialist(fake)
    fake.inject(Fault.wrapped())
    result = specialist.produce(_task(PIPELINE, step, agent, feature, upstream))
    assert result.artifact == upstream[step]
    assert [c.outcome for c in result.calls] == ["ok"]
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("fault", "outcome", "reason"),
    [
        (Fault.invalid_artifact(), "retried_validation", "did not validate"),
        (Fault.refusal(), "refused", "declined"),
        (Fault.max_tokens(), "max_tokens", "cut off at max_tokens"),
    ],
)
@pytest.mark.parametrize("step", ["schema", "implementation"])
def test_unusable_answer_then_success(
    fake: FakeMessagesAPI,
    agent: AgentSpec,
    feature: FeatureRequest,
    upstream: dict[str, Artifact],
    fault: Fault,
    outcome: str,
    reason: str,
    step: str,
) -> None:
    specialist = _specialist(fake)
    fake.inject(fault)
    task = _task(PIPELINE, step, agent, feature, upstream)
    result = specialist.produce(task)
    assert result.artifact == upstream[step]
    assert [c.outcome for c in result.calls] == [outcome, "ok"]
    assert reason in result.calls[0].detail
    assert result.usage == result.calls[0].usage + result.calls[1].usage
    assert specialist.calls_for("run-test", step, 1) == result.calls
    first, second = fake.requests
    assert "<reask" not in first.user_text and reason in second.user_text
    assert first.body is not None and second.body is not None
    if outcome == "max_tokens":
        assert second.body["max_tokens"] == 2 * first.body["max_tokens"]
    else:
        assert second.body["max_tokens"] == first.body["max_tokens"]
    entries = price_calls(
        result.calls, run_id="run-test", step=step, attempt=1, at=datetime.now(UTC)
    )
    assert [e.call for e in entries] == [1, 2]
    assert all(e.cost_usd > 0 for e in entries)


def test_unusable_answers_exhaust_the_retries(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake, max_validation_retries=2)
    fake.inject(Fault.invalid_artifact(), Fault.refusal(), Fault.invalid_artifact())
    with pytest.raises(UnusableOutputError) as caught:
        specialist.produce(_task(PIPELINE, "design", agent, feature, upstream, attempt=2))
    assert len(fake.requests) == 3
    outcomes = [c.outcome for c in caught.value.calls]
    assert outcomes == ["retried_validation", "refused", "error"]
    assert specialist.calls_for("run-test", "design", 2) == caught.value.calls
    assert caught.value.exit_code == 1


def test_parallel_steps_share_one_specialist(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    results: dict[str, Any] = {}

    def run(step: str) -> None:
        results[step] = specialist.produce(_task(PIPELINE, step, agent, feature, upstream))

    threads = [threading.Thread(target=run, args=(s,)) for s in ("schema", "api_spec", "docs")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {s: r.artifact for s, r in results.items()} == {
        s: upstream[s] for s in ("schema", "api_spec", "docs")
    }


# -- reviews ---------------------------------------------------------------------------------


def test_review_through_the_api_matches_the_builtin_critic(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    reviewer = load_agent(AGENTS / "security-reviewer.md")
    task = _task(PIPELINE, "api_spec", agent, feature, upstream)
    spec = upstream["api_spec"]
    assert isinstance(spec, ApiSpecArtifact)
    good = specialist.review(task, spec, reviewer)
    assert good.verdict == "approve"
    assert good == BuiltinCritic().review(task, spec, reviewer)

    open_ep = spec.endpoints[1].model_copy(update={"auth_required": False})
    bad = spec.model_copy(update={"endpoints": [spec.endpoints[0], open_ep, *spec.endpoints[2:]]})
    verdict = specialist.review(task, bad, reviewer)
    assert verdict.verdict == "reject"
    assert any("authentication" in i.message for i in verdict.errors)
    request = fake.requests[-1]
    assert request.kind == "review" and request.body is not None
    assert request.body["system"][0]["text"] == reviewer.system_prompt
    assert request.body["output_config"]["format"]["schema"]["title"] == "Review"
    calls = specialist.calls_for("run-test", "api_spec", 1, "review:security-reviewer")
    assert [c.outcome for c in calls] == ["ok"]


# -- pure parts: model choice, prompt order, critic rules ------------------------------------------


@pytest.mark.parametrize(
    ("cli", "agent_model", "step_model", "expected"),
    [
        (None, None, None, DEFAULT_MODEL),
        (None, "inherit", None, DEFAULT_MODEL),
        (None, "haiku", None, HAIKU),
        ("opus", "haiku", None, OPUS),
        ("opus", "haiku", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5-20250929"),
        ("", " ", "", DEFAULT_MODEL),
        ("claude-opus-4-1", None, None, "claude-opus-4-1"),
        (None, "Sonnet", "inherit", DEFAULT_MODEL),
    ],
)
def test_resolve_model(
    cli: str | None, agent_model: str | None, step_model: str | None, expected: str
) -> None:
    assert resolve_model(cli, agent_model, step_model) == expected


def test_resolve_model_rejects_non_ids() -> None:
    with pytest.raises(InvalidModelError) as caught:
        resolve_model("claude sonnet", None, None)
    assert caught.value.exit_code == 2


def test_prompt_is_ordered_stable_first(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    task = _task(
        PIPELINE,
        "implementation",
        agent,
        feature,
        upstream,
        attempt=2,
        feedback=("[error] routes at paths: missing GET /v1/bookmarks",),
        previous=upstream["implementation"],
    )
    prompt = build_step_prompt(task, "ImplementationArtifact")
    roles = [b.role for b in prompt.blocks]
    assert roles == [
        "request",
        "requirements",
        "input",
        "input",
        "instructions",
        "feedback",
        "previous",
    ]
    assert prompt.cache_index == 1
    assert prompt.system == agent.system_prompt
    assert "missing GET /v1/bookmarks" in prompt.blocks[5].text
    assert prompt.blocks[6].text.startswith('<previous_attempt attempt="1">')


def test_builtin_critic_approves_builtin_artifacts(agent: AgentSpec) -> None:
    for path in SAMPLE_REQUESTS[:3]:
        produced = _build_all(PIPELINE, agent, read_request(str(path)), BuiltinSpecialist())
        requirements = produced["requirements"]
        assert isinstance(requirements, RequirementsArtifact)
        for reviewer in ("api-reviewer", "security-reviewer", "dba-reviewer"):
            for step in ("design", "schema", "api_spec", "implementation"):
                review = critique(reviewer, produced[step], requirements)
                assert review.verdict == "approve", (path.name, reviewer, step, review.issues)


def test_builtin_critic_rejects_real_defects(upstream: dict[str, Artifact]) -> None:
    spec, schema = upstream["api_spec"], upstream["schema"]
    requirements = upstream["requirements"]
    assert isinstance(spec, ApiSpecArtifact) and isinstance(schema, SchemaArtifact)
    assert isinstance(requirements, RequirementsArtifact)

    bare = spec.endpoints[1].model_copy(update={"error_statuses": [], "requirement_ids": ["FR-99"]})
    api_review = critique(
        "api-reviewer",
        spec.model_copy(update={"endpoints": [bare, *spec.endpoints[2:]]}),
        requirements,
    )
    assert api_review.verdict == "reject"
    messages = " | ".join(i.message for i in api_review.errors)
    assert "no error response" in messages and "FR-99" in messages

    table = next(t for t in schema.tables if any(c.references for c in t.columns))
    fk = next(c.name for c in table.columns if c.references)
    unindexed = table.model_copy(
        update={"indexes": [ix for ix in table.indexes if ix.columns[:1] != [fk]]}
    )
    tables = [unindexed if t.name == table.name else t for t in schema.tables]
    dba = critique("dba-reviewer", schema.model_copy(update={"tables": tables}))
    assert dba.verdict == "reject"
    assert any(i.location == f"tables.{table.name}.{fk}" for i in dba.errors)
    assert dba == critique("dba-reviewer", schema.model_copy(update={"tables": tables}))

    unknown = critique("style-reviewer", spec)
    assert unknown.verdict == "approve" and unknown.issues == []


def test_review_model_is_a_strict_output_schema() -> None:
    schema = provider.output_schema(Review)
    assert schema["title"] == "Review"
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"verdict", "summary", "issues", "suggestions"}
    assert json.loads(json.dumps(schema)) == schema  # plain JSON as sent: no tuples, no objects


def test_models_with_a_low_nonstreaming_limit_are_streamed(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    # no explicit timeout: the SDK itself refuses a long non-streaming call for this model
    specialist = AnthropicSpecialist(KEY, base_url=fake.base_url, model="claude-opus-4-1@20250805")
    result = specialist.produce(_task(PIPELINE, "design", agent, feature, upstream))
    assert result.artifact == upstream["design"]
    assert [r.streamed for r in fake.requests] == [True]


def test_cost_estimate_bounds_the_first_call(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    from featureline.pricing import cost_usd

    specialist = _specialist(fake)
    task = _task(PIPELINE, "schema", agent, feature, upstream)
    estimate = specialist.estimate_cost(task)
    result = specialist.produce(task)
    assert Decimal(0) < cost_usd(result.model, result.usage) < estimate


def test_a_revision_reads_its_inputs_from_the_cache(
    fake: FakeMessagesAPI, agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact]
) -> None:
    specialist = _specialist(fake)
    first = specialist.produce(_task(PIPELINE, "implementation", agent, feature, upstream))
    revision = _task(
        PIPELINE,
        "implementation",
        agent,
        feature,
        upstream,
        attempt=2,
        feedback=("[error] tests: add one",),
        previous=first.artifact if isinstance(first.artifact, Artifact) else None,
    )
    second = specialist.produce(revision)
    written = first.usage.cache_creation_input_tokens + first.usage.cache_read_input_tokens
    assert second.usage.cache_read_input_tokens == written  # every input, read from the cache
    assert second.usage.cache_creation_input_tokens == 0


@pytest.mark.parametrize("wait_s", [60.0, 0.0])
def test_parallel_siblings_share_the_prefix_one_of_them_writes(
    agent: AgentSpec, feature: FeatureRequest, upstream: dict[str, Artifact], wait_s: float
) -> None:
    """``schema`` and ``api_spec`` start together with the same inputs: with the cache gate
    the second waits for the first's answer and reads; without it both pay to write."""
    with FakeMessagesAPI() as api:
        api.inject(Fault.slow(0.3), Fault.slow(0.3))
        specialist = AnthropicSpecialist(KEY, base_url=api.base_url, cache_wait_s=wait_s)
        results: dict[str, StepResult] = {}

        def produce(step: str) -> None:
            results[step] = specialist.produce(_task(PIPELINE, step, agent, feature, upstream))

        threads = [threading.Thread(target=produce, args=(s,)) for s in ("schema", "api_spec")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    reader, writer = sorted(results.values(), key=lambda r: r.usage.cache_creation_input_tokens)
    if wait_s:
        assert reader.usage.cache_creation_input_tokens == 0  # it read the other's prefix
        assert reader.usage.cache_read_input_tokens == (
            writer.usage.cache_creation_input_tokens + writer.usage.cache_read_input_tokens
        )
    else:
        assert reader.usage.cache_creation_input_tokens > 0
        assert reader.usage.cache_creation_input_tokens == writer.usage.cache_creation_input_tokens

"""Claude as the specialist, through the official ``anthropic`` SDK.

The only module that imports ``anthropic``. It turns a StepTask into a Messages API call
with structured output (the artifact model's JSON schema, transformed by the SDK's
``transform_schema`` exactly as ``messages.parse(output_format=...)`` sends it), caches the
stable prefix, streams long artifacts, re-asks when an answer cannot be used, and maps
every SDK exception to a featureline error in one place (:func:`map_sdk_error`).

Why not ``messages.parse`` itself: it validates inside the SDK and raises before the
caller can read the response's usage or stop reason, so a call whose answer fails
validation would go uncounted. We send the same ``output_config.format`` and validate
the text ourselves, which keeps every call in the ledger.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import anthropic
from anthropic.types import Message, MessageParam, OutputConfigParam, TextBlockParam
from pydantic import BaseModel, ValidationError

from featureline import activity
from featureline.agents import AgentSpec
from featureline.artifacts import ARTIFACT_TYPES, Artifact, TestingArtifact, Usage
from featureline.budget import BudgetBook, BudgetReservationError, Reservation
from featureline.errors import FeaturelineError, ProviderError, UserInputError
from featureline.ledger import CallOutcome, CallRecord
from featureline.models import MODEL_ENV, output_limit, resolve_model
from featureline.pricing import (
    PriceTable,
    UnknownModelPriceError,
    cost_usd,
    default_prices,
    estimate_cost_usd,
)
from featureline.providers.base import StepResult, StepTask
from featureline.providers.cachegate import DEFAULT_WAIT_S, PrefixGate, prefix_keys
from featureline.providers.prompts import (
    Prompt,
    build_review_prompt,
    build_step_prompt,
    reask_block,
)
from featureline.reservations import CallPlan
from featureline.review import Review

PROVIDER: Final = "anthropic"
API_KEY_ENV: Final = "ANTHROPIC_API_KEY"
BLOCK_REAL_API_ENV: Final = "FEATURELINE_BLOCK_REAL_API"

ALLOW_REAL_REQUESTS: bool = True
"""Global switch (like pydantic-ai's ALLOW_MODEL_REQUESTS): when False, or when
``FEATURELINE_BLOCK_REAL_API=1``, a specialist refuses any base URL that is not loopback,
so tests cannot reach the real API by accident."""

MAX_TOKENS: Final[dict[str, int]] = {
    "requirements": 16_000,
    "design": 12_000,
    "schema": 16_000,
    "api_spec": 24_000,
    "implementation": 32_000,
    "testing": 32_000,
    "performance": 12_000,
    "docs": 24_000,
    "review": 4_000,
}
"""Output budget per artifact kind (a budget, not a target: billing counts what is used)."""
MIN_USEFUL_OUTPUT: Final = 1_024
"""A call whose affordable ``max_tokens`` falls below this is not sent (budget stop)."""
INPUT_CHARS_PER_TOKEN_BOUND: Final = 2
"""Reservations count at least one input token per 2 bytes of request (real text averages
3.5-4), all of it at the cache-write price: an upper bound, not an estimate."""
NONSTREAMING_MAX_TOKENS: Final = 16_000
"""Above this output budget we stream: the SDK refuses non-streaming calls whose expected
time passes 10 minutes (max_tokens > ~21,333 at its 128k-tokens-per-hour estimate)."""
LONG_KINDS: Final = frozenset({"implementation", "testing", "docs"})
"""Kinds that always stream, whatever their budget."""

_LAST_CALLS_KEPT: Final = 512
A = TypeVar("A", bound=BaseModel)


# -- errors: user mistakes (exit 2) ---------------------------------------------------------


class AnthropicConfigError(UserInputError):
    """The key, model or request is wrong; fixing the configuration fixes it."""

    def __init__(self, problem: str, status: int | None = None) -> None:
        self.problem = problem
        self.status = status
        super().__init__(problem)


class MissingApiKeyError(AnthropicConfigError):
    def __init__(self) -> None:
        super().__init__(
            f"no Anthropic API key: set {API_KEY_ENV} or run with --provider builtin (offline)"
        )


class InvalidApiKeyError(AnthropicConfigError):
    """401: the key is unknown, revoked or malformed."""


class ApiPermissionError(AnthropicConfigError):
    """403: the key may not use this model or feature."""


class UnknownModelError(AnthropicConfigError):
    """404: the model id does not exist (or this key cannot see it)."""

    def __init__(self, problem: str, model: str) -> None:
        self.model = model
        super().__init__(problem, 404)


class RequestTooLargeError(AnthropicConfigError):
    """413: the request body is larger than the API accepts."""


class BillingError(AnthropicConfigError):
    """402: the account cannot pay for the call."""


class RealRequestsBlockedError(AnthropicConfigError):
    """Real API calls are switched off (tests) and the base URL is not local."""


# -- errors: failures during a run (resumable) ------------------------------------------------


class AnthropicCallError(ProviderError):
    """A call failed after the SDK's retries; carries the calls already paid for."""

    reason = "the API call failed"

    def __init__(
        self,
        step: str,
        run_id: str,
        detail: str = "",
        *,
        attempts: int = 1,
        status: int | None = None,
        calls: Sequence[CallRecord] = (),
    ) -> None:
        self.run_id = run_id
        self.detail = detail
        self.attempts = attempts
        self.status = status
        self.calls = tuple(calls)
        tries = f" after {attempts} attempt{'s' if attempts != 1 else ''}"
        extra = f" ({detail})" if detail else ""
        problem = f"{self.reason}{tries}{extra} — resume with `featureline resume {run_id}`"
        super().__init__(PROVIDER, step, problem)


class RateLimitedError(AnthropicCallError):
    reason = "rate limited by the API"


class OverloadedError(AnthropicCallError):
    reason = "the API is overloaded"


class ServerError(AnthropicCallError):
    reason = "the API had a server error"


class ApiTimeoutError(AnthropicCallError):
    reason = "the API did not answer in time"


class ApiConnectionError(AnthropicCallError):
    reason = "could not connect to the API"


class ApiRequestRejectedError(AnthropicCallError):
    reason = "the API rejected the request"


class BadResponseError(AnthropicCallError):
    reason = "the API sent a response that could not be read"


class UnusableOutputError(AnthropicCallError):
    reason = "the model gave no usable answer"


# -- the one place SDK exceptions become featureline errors -------------------------------------


def _api_message(exc: anthropic.APIError) -> tuple[str, str]:
    """(error type, one-line message) from an Anthropic error body, when there is one."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            kind = str(error.get("type") or "")
            message = " ".join(str(error.get("message") or "").split())
            return kind, message[:200]
    return "", " ".join(str(exc.message).split())[:200]


def map_sdk_error(
    exc: anthropic.AnthropicError,
    *,
    step: str,
    run_id: str,
    model: str,
    max_retries: int,
    calls: Sequence[CallRecord] = (),
) -> FeaturelineError:
    """Every SDK exception, mapped to a typed featureline error with a one-line message."""
    retried = max_retries + 1
    if isinstance(exc, anthropic.APITimeoutError):
        return ApiTimeoutError(step, run_id, attempts=retried, calls=calls)
    if isinstance(exc, anthropic.APIConnectionError):
        return ApiConnectionError(step, run_id, attempts=retried, calls=calls)
    if isinstance(exc, anthropic.APIResponseValidationError):
        return BadResponseError(step, run_id, exc.message[:200], calls=calls)
    if isinstance(exc, anthropic.APIStatusError):
        kind, message = _api_message(exc)
        status = exc.status_code
        detail = f"{status} {kind}: {message}" if kind else f"{status}: {message}"
        if isinstance(exc, anthropic.AuthenticationError):
            return InvalidApiKeyError(
                f"the API rejected the key (401 {kind or 'authentication_error'}): "
                f"check {API_KEY_ENV}",
                401,
            )
        if isinstance(exc, anthropic.PermissionDeniedError):
            return ApiPermissionError(f"the key may not do this ({detail})", 403)
        if isinstance(exc, anthropic.NotFoundError):
            return UnknownModelError(
                f"model {model!r} was not found (404): pick another with --model or "
                f"{MODEL_ENV} (aliases: sonnet, opus, haiku)",
                model,
            )
        if isinstance(exc, anthropic.ContentTooLargeError):
            return RequestTooLargeError(
                "the request is too large for the API (413): shorten the feature request "
                "or declare fewer inputs for this step",
                413,
            )
        if isinstance(exc, anthropic.PaymentRequiredError):
            return BillingError(f"the account cannot pay for this call ({detail})", 402)
        # a 200 stream that carried an error event has no telling status: use the error type
        stream_error = status < 400
        tries = 1 if stream_error else retried
        if isinstance(exc, anthropic.RateLimitError) or kind == "rate_limit_error":
            return RateLimitedError(step, run_id, attempts=tries, status=status, calls=calls)
        if isinstance(exc, anthropic.OverloadedError) or kind == "overloaded_error":
            return OverloadedError(step, run_id, attempts=tries, status=status, calls=calls)
        if status >= 500 or kind == "api_error":
            return ServerError(step, run_id, detail, attempts=tries, status=status, calls=calls)
        return ApiRequestRejectedError(step, run_id, detail, status=status, calls=calls)
    return ProviderError(PROVIDER, step, f"{type(exc).__name__}: {str(exc)[:200]}")


# -- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AnthropicStepResult(StepResult):
    """A StepResult that also lists every call the attempt made (``usage`` is their sum)."""

    calls: tuple[CallRecord, ...] = ()


@dataclass(frozen=True)
class _Reply:
    text: str
    stop_reason: str | None
    usage: Usage
    request_id: str | None


_UNREADABLE = _Reply("", None, Usage(), None)


def usage_of(message: Message) -> Usage:
    """featureline's Usage from an SDK message (absent cache counts are zero)."""
    u = message.usage
    return Usage(
        input_tokens=u.input_tokens,
        output_tokens=u.output_tokens,
        cache_creation_input_tokens=u.cache_creation_input_tokens or 0,
        cache_read_input_tokens=u.cache_read_input_tokens or 0,
    )


@lru_cache(maxsize=32)
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The strict JSON schema the API receives, as ``messages.parse`` would build it."""
    return anthropic.transform_schema(model.model_json_schema())


def render_request(prompt: Prompt) -> tuple[list[TextBlockParam], list[MessageParam]]:
    """System blocks and the single user turn, with ``cache_control`` on the breakpoint."""
    system: list[TextBlockParam] = [{"type": "text", "text": prompt.system}]
    content: list[TextBlockParam] = []
    for block in prompt.blocks:
        param: TextBlockParam = {"type": "text", "text": block.text}
        if block.cache:
            param["cache_control"] = {"type": "ephemeral"}
        content.append(param)
    return system, [{"role": "user", "content": content}]


def describe_validation_error(exc: ValidationError, limit: int = 8) -> str:
    """The first few problems as ``location: message`` (no input values echoed)."""
    problems = [
        f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
        for err in exc.errors()[:limit]
    ]
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f"; and {more} more" if more > 0 else "")


def should_stream(kind: str, max_tokens: int) -> bool:
    return kind in LONG_KINDS or max_tokens > NONSTREAMING_MAX_TOKENS


def _is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    return host in {"127.0.0.1", "localhost", "::1"}


class AnthropicSpecialist:
    """The Specialist (and Critic) backed by Claude. Thread-safe: one SDK client, and the
    per-attempt call lists behind a lock."""

    name = PROVIDER

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        model: str | None = None,
        max_retries: int = 3,
        timeout: float | None = None,
        max_validation_retries: int = 2,
        max_tokens: dict[str, int] | None = None,
        cache_wait_s: float = DEFAULT_WAIT_S,
        pinned_model: str | None = None,
    ) -> None:
        key = api_key or os.environ.get(API_KEY_ENV) or ""
        if not key.strip():
            raise MissingApiKeyError()
        resolved_url = (
            base_url or os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"
        )
        blocked = not ALLOW_REAL_REQUESTS or os.environ.get(BLOCK_REAL_API_ENV) == "1"
        if blocked and not _is_loopback(resolved_url):
            raise RealRequestsBlockedError(
                f"real API requests are blocked ({BLOCK_REAL_API_ENV}=1 or "
                f"ALLOW_REAL_REQUESTS=False) and {resolved_url} is not a local server"
            )
        self.base_url = resolved_url
        self.model_override = model or os.environ.get(MODEL_ENV) or None
        self.pinned_model = (
            resolve_model(pinned_model, None, None) if pinned_model is not None else None
        )
        """``resume --model``: this model for every call, over the run's and the steps' own
        (a run stopped by a model the API does not know can continue on another)."""
        self.max_retries = max_retries
        self.max_validation_retries = max_validation_retries
        self.max_tokens = {**MAX_TOKENS, **(max_tokens or {})}
        options: dict[str, Any] = {}
        if timeout is not None:
            options["timeout"] = timeout
        self._client = anthropic.Anthropic(
            api_key=key.strip(),
            base_url=base_url,
            max_retries=max_retries,
            http_client=anthropic.DefaultHttpxClient(event_hooks={"response": [_report_retryable]}),
            **options,
        )
        self._lock = threading.Lock()
        self.budgets = BudgetBook()
        self._cache_gate = PrefixGate(cache_wait_s)
        self._output_limits: dict[str, int] = {}
        self._last_calls: OrderedDict[tuple[str, str, int, str], tuple[CallRecord, ...]] = (
            OrderedDict()
        )

    # -- Specialist ---------------------------------------------------------------------

    def model_for(self, task: StepTask, agent: AgentSpec | None = None) -> str:
        """Step override > --model/FEATURELINE_MODEL > the agent's ``model:`` > default."""
        if self.pinned_model is not None:
            return self.pinned_model
        return resolve_model(self.model_override, (agent or task.agent).model, task.model)

    def produce(self, task: StepTask) -> AnthropicStepResult:
        output_type = ARTIFACT_TYPES[task.kind]
        model = self.model_for(task)
        prompt = build_step_prompt(task, output_type.__name__)
        artifact, calls = self._ask(
            prompt, output_type, model, task, kind=task.kind, purpose="produce"
        )
        if isinstance(artifact, TestingArtifact) and artifact.execution is not None:
            # only the sandbox may report a test run; a model cannot have run the tests
            artifact = artifact.model_copy(update={"execution": None})
        usage = sum((c.usage for c in calls), Usage())
        return AnthropicStepResult(artifact=artifact, model=model, usage=usage, calls=calls)

    # -- Critic ---------------------------------------------------------------------------

    def review(self, task: StepTask, artifact: Artifact, reviewer: AgentSpec) -> Review:
        """The reviewer agent's verdict; its calls are kept under purpose ``review:<name>``.
        ``--model`` applies to reviewers too (:func:`review_model`)."""
        model = self.pinned_model or review_model(self.model_override, reviewer, task)
        prompt = build_review_prompt(task, artifact, reviewer)
        review, _ = self._ask(
            prompt, Review, model, task, kind="review", purpose=f"review:{reviewer.name}"
        )
        return review

    def calls_for(
        self, run_id: str, step: str, attempt: int, purpose: str = "produce"
    ) -> tuple[CallRecord, ...]:
        """Every call one attempt made (also after it failed), for the ledger."""
        with self._lock:
            return self._last_calls.get((run_id, step, attempt, purpose), ())

    def estimate_cost(self, task: StepTask, prices: PriceTable | None = None) -> Decimal:
        """An upper bound for one attempt's first call: the prompt uncached (~4 characters
        a token) and the kind's whole output budget."""
        prompt = build_step_prompt(task, ARTIFACT_TYPES[task.kind].__name__)
        input_tokens = (
            len(prompt.text) // 4 + len(str(output_schema(ARTIFACT_TYPES[task.kind]))) // 4
        )
        return estimate_cost_usd(
            self.model_for(task),
            input_tokens,
            min(
                self.max_tokens.get(task.kind, NONSTREAMING_MAX_TOKENS),
                output_limit(self.model_for(task)),
            ),
            prices,
        )

    def output_limit(self, model: str) -> int:
        """The largest ``max_tokens`` ``model`` accepts: the Models API's answer when it has
        one (asked once per model), else the table in :mod:`featureline.models`."""
        with self._lock:
            known = self._output_limits.get(model)
        if known is not None:
            return known
        limit = output_limit(model)
        try:
            info = self._client.with_options(max_retries=0, timeout=10.0).models.retrieve(model)
            if isinstance(info.max_tokens, int) and info.max_tokens > 0:
                limit = info.max_tokens
        except anthropic.AnthropicError:
            pass  # no Models API here (a proxy, an old gateway): the table's value stands
        with self._lock:
            self._output_limits[model] = limit
        return limit

    # -- the call loop ----------------------------------------------------------------------

    def _ask(
        self,
        prompt: Prompt,
        output_type: type[A],
        model: str,
        task: StepTask,
        *,
        kind: str,
        purpose: str,
    ) -> tuple[A, tuple[CallRecord, ...]]:
        """Call until an answer validates, re-asking with the reason at most
        ``max_validation_retries`` times; every call is recorded, also on failure, and every
        call reserves its worst case from the run's budget before it is sent."""
        with activity.working_on(
            task.step, "asking the model" if purpose == "produce" else purpose
        ):
            try:
                return self._ask_all(prompt, output_type, model, task, kind=kind, purpose=purpose)
            except FeaturelineError as exc:
                activity.failed(str(exc), task.step)
                raise

    def _ask_all(
        self,
        prompt: Prompt,
        output_type: type[A],
        model: str,
        task: StepTask,
        *,
        kind: str,
        purpose: str,
    ) -> tuple[A, tuple[CallRecord, ...]]:
        key = (task.run_id, task.step, task.attempt, purpose)
        schema = output_schema(output_type)
        limit = self.output_limit(model)
        max_tokens = min(self.max_tokens.get(kind, NONSTREAMING_MAX_TOKENS), limit)
        self.budgets.sync(task.run_id, task.budget_usd, task.spent_usd)
        calls: list[CallRecord] = []
        current = prompt
        try:
            for number in range(self.max_validation_retries + 1):
                last = number == self.max_validation_retries
                call_max, reservation = self._reserve(
                    current, schema, model, max_tokens, task, calls, purpose
                )
                try:
                    reply = self._call(current, schema, model, call_max, kind)
                except anthropic.AnthropicError as exc:
                    if _outcome_unknown(exc):
                        calls.append(self._possibly_billed(model, reservation, task, exc, purpose))
                    else:
                        self.budgets.settle(reservation, Decimal(0))
                    raise map_sdk_error(
                        exc,
                        step=task.step,
                        run_id=task.run_id,
                        model=model,
                        max_retries=self.max_retries,
                        calls=calls,
                    ) from exc
                except BaseException as exc:  # interrupted mid-flight: it may have been billed
                    calls.append(self._possibly_billed(model, reservation, task, exc, purpose))
                    raise
                self.budgets.settle(
                    reservation,
                    self._cost(model, reply.usage, task),
                    billed=_priced(model, reply.usage, task),
                )
                value, outcome, reason = _judge(reply, output_type, call_max)
                if value is not None:
                    calls.append(self._record(model, reply, "ok", "", purpose, reservation))
                    return value, tuple(calls)
                if outcome == "retried_validation" and last:
                    outcome = "error"
                calls.append(self._record(model, reply, outcome, reason, purpose, reservation))
                if last:
                    raise UnusableOutputError(
                        task.step,
                        task.run_id,
                        f"last: {reason[:160]}",
                        attempts=len(calls),
                        calls=calls,
                    )
                if outcome == "max_tokens":
                    max_tokens = min(max_tokens * 2, limit)
                current = prompt.with_block(reask_block(number + 1, reason))
            raise AssertionError("unreachable")  # pragma: no cover
        finally:
            self._remember(key, tuple(calls))

    def _reserve(
        self,
        prompt: Prompt,
        schema: dict[str, Any],
        model: str,
        max_tokens: int,
        task: StepTask,
        calls: list[CallRecord],
        purpose: str = "produce",
    ) -> tuple[int, Reservation]:
        """(max_tokens for this call, its reservation): the worst case — every input token
        written to the cache, every output token used — set aside before the call is sent.
        When the whole output budget does not fit what is left, the call gets the largest
        ``max_tokens`` that does (at least :data:`MIN_USEFUL_OUTPUT`), else it is refused."""
        input_bound = input_token_bound(prompt, schema)
        table = task.prices or default_prices()
        plan = CallPlan(task.run_id, task.step, task.attempt, purpose, model)
        if task.budget_usd is None:  # nothing to hold; the worst case is kept for a lost call
            try:
                price = table.price_for(model)
            except UnknownModelPriceError:
                return max_tokens, self.budgets.reserve(
                    task.run_id, task.step, Decimal(0), task.journal, plan
                )
        price = table.price_for(model)
        per = Decimal(table.per_tokens)
        input_cost = input_bound * max(price.input, price.cache_write) / per
        call_max = max_tokens
        remaining = self.budgets.remaining(task.run_id)
        if remaining is not None and price.output > 0:
            affordable = int((remaining - input_cost) * per / price.output)
            call_max = min(max_tokens, affordable)
            if call_max < min(MIN_USEFUL_OUTPUT, max_tokens):
                worst = input_cost + max_tokens * price.output / per
                assert task.budget_usd is not None
                raise BudgetReservationError(
                    task.run_id,
                    task.step,
                    task.budget_usd - remaining,
                    worst,
                    task.budget_usd,
                    tuple(calls),
                )
        worst_case = input_cost + call_max * price.output / per
        try:
            return call_max, self.budgets.reserve(
                task.run_id, task.step, worst_case, task.journal, plan
            )
        except BudgetReservationError as exc:  # a sibling reserved first
            exc.calls = tuple(calls)
            raise

    def _cost(self, model: str, usage: Usage, task: StepTask) -> Decimal:
        """What a finished call cost, for the budget book (only runs with a budget price it)."""
        return cost_usd(model, usage, task.prices) if task.budget_usd is not None else Decimal(0)

    def _possibly_billed(
        self,
        model: str,
        reservation: Reservation,
        task: StepTask,
        exc: BaseException,
        purpose: str,
    ) -> CallRecord:
        """A call whose outcome is unknown: its worst case stays spent, and the ledger says
        it may have been billed."""
        self.budgets.settle(reservation, reservation.amount)
        return CallRecord(
            model=model,
            usage=Usage(),
            outcome="unknown",
            detail=(
                f"possibly billed: {type(exc).__name__} before the answer arrived; "
                f"its worst case (${reservation.amount:.4f}) is counted"
            ),
            purpose=purpose,
            cost_usd=reservation.amount,
            reservation=reservation.journal_id,
        )

    def _call(
        self, prompt: Prompt, schema: dict[str, Any], model: str, max_tokens: int, kind: str
    ) -> _Reply:
        """One API call (the SDK retries transient HTTP failures inside it); it waits first
        for a sibling that is writing the cache prefix it can read (:mod:`.cachegate`)."""
        keys, marks = prefix_keys(model, prompt)
        with self._cache_gate.turn(keys, marks) as started:
            return self._send(prompt, schema, model, max_tokens, kind, started)

    def _send(
        self,
        prompt: Prompt,
        schema: dict[str, Any],
        model: str,
        max_tokens: int,
        kind: str,
        started: threading.Event,
    ) -> _Reply:
        system, messages = render_request(prompt)
        output_config: OutputConfigParam = {"format": {"type": "json_schema", "schema": schema}}
        streaming = should_stream(kind, max_tokens)
        try:
            if not streaming:
                try:
                    message: Message = self._client.messages.create(
                        model=model,
                        max_tokens=max_tokens,
                        system=system,
                        messages=messages,
                        output_config=output_config,
                    )
                    request_id = message._request_id
                except ValueError as exc:
                    # the SDK refuses before sending when it expects a long call (some
                    # models have lower non-streaming limits): stream instead
                    if "Streaming is required" not in str(exc):
                        raise
                    streaming = True
            if streaming:
                with self._client.messages.stream(
                    model=model,
                    max_tokens=max_tokens,
                    system=system,
                    messages=messages,
                    output_config=output_config,
                ) as stream:
                    started.set()  # the answer has begun: its cache entry is readable
                    received = 0
                    for text in stream.text_stream:  # live progress: ~4 characters a token
                        received += len(text)
                        activity.streamed(received // 4)
                    message = stream.get_final_message()
                    request_id = stream.request_id
        except json.JSONDecodeError:  # a 200 whose body is not JSON: the SDK raises it raw
            return _UNREADABLE
        text = "".join(block.text for block in message.content if block.type == "text")
        return _Reply(text, message.stop_reason, usage_of(message), request_id)

    def _record(
        self,
        model: str,
        reply: _Reply,
        outcome: CallOutcome,
        detail: str,
        purpose: str,
        reservation: Reservation,
    ) -> CallRecord:
        return CallRecord(
            model=model,
            usage=reply.usage,
            outcome=outcome,
            detail=detail[:300],
            purpose=purpose,
            request_id=reply.request_id,
            reservation=reservation.journal_id,
        )

    def _remember(self, key: tuple[str, str, int, str], calls: tuple[CallRecord, ...]) -> None:
        with self._lock:
            self._last_calls[key] = calls
            self._last_calls.move_to_end(key)
            while len(self._last_calls) > _LAST_CALLS_KEPT:
                self._last_calls.popitem(last=False)


_RETRYABLE: Final = frozenset({408, 409, 429})


def _report_retryable(response: Any) -> None:
    """httpx response hook: an answer the SDK retries is shown as it happens."""
    status = int(getattr(response, "status_code", 0))
    if status in _RETRYABLE or status >= 500:
        activity.retrying(f"HTTP {status} from the API; the SDK retries it (up to its limit)")


def review_model(override: str | None, reviewer: AgentSpec, task: StepTask) -> str:
    """A reviewer's model: ``--model`` (the override, else the model the task carries: the
    step's ``model:`` or the run's ``--model``) beats the reviewer file's ``model:``, so a
    run on one model reviews on it too."""
    return resolve_model(override or task.model, reviewer.model, None)


def input_token_bound(prompt: Prompt, schema: dict[str, Any]) -> int:
    """An upper bound on a request's input tokens (see :data:`INPUT_CHARS_PER_TOKEN_BOUND`)."""
    size = len(prompt.system.encode()) + sum(len(b.text.encode()) for b in prompt.blocks)
    size += len(json.dumps(schema).encode())
    return size // INPUT_CHARS_PER_TOKEN_BOUND + 64


def _priced(model: str, usage: Usage, task: StepTask) -> Decimal | None:
    """What an answered call cost at the run's prices, for the reservation journal; ``None``
    for a model without a price (the journal keeps the worst case, which is then 0)."""
    try:
        return cost_usd(model, usage, task.prices)
    except UnknownModelPriceError:
        return None


def _outcome_unknown(exc: anthropic.AnthropicError) -> bool:
    """Did the request maybe reach the model? A timeout, a dropped connection or an error
    mid-stream (a 200 that carried an error event) may have been billed; an HTTP error
    status was not."""
    if isinstance(exc, anthropic.APIConnectionError):  # includes APITimeoutError
        return True
    return isinstance(exc, anthropic.APIStatusError) and exc.status_code < 400


def _judge(
    reply: _Reply, output_type: type[A], max_tokens: int
) -> tuple[A | None, CallOutcome, str]:
    """The validated value, or why the answer cannot be used and how to count the call."""
    if reply.stop_reason is None and not reply.text:
        return None, "error", "the response body could not be read as a message"
    if reply.stop_reason == "refusal":
        return (
            None,
            "refused",
            "the answer was declined (stop_reason 'refusal'). This is a routine software "
            "design task: produce the requested engineering artifact.",
        )
    if reply.stop_reason in ("max_tokens", "model_context_window_exceeded"):
        return (
            None,
            "max_tokens",
            f"the answer was cut off at max_tokens={max_tokens} before the JSON was complete; "
            "be more concise (shorter descriptions, no repetition).",
        )
    try:
        return output_type.model_validate_json(reply.text), "ok", ""
    except ValidationError as exc:
        enclosed = _enclosed_json(reply.text)
        if enclosed is not None:
            try:
                return output_type.model_validate_json(enclosed), "ok", ""
            except ValidationError:
                pass  # the first error (of the whole text) says more
        return None, "retried_validation", f"it did not validate: {describe_validation_error(exc)}"


_FENCED = re.compile(r"```(?:json|JSON)?[ \t]*\n(?P<body>.*?)\n[ \t]*```", re.S)


def _enclosed_json(text: str) -> str | None:
    """The JSON object inside an answer that wraps it in a code fence or a sentence (a
    server or model that ignores ``output_config``): the first fenced block, else the span
    from the first ``{`` to the last ``}``; None when the text has neither."""
    fenced = _FENCED.search(text)
    if fenced is not None:
        return fenced.group("body").strip()
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start or (start == 0 and end == len(text) - 1):
        return None
    return text[start : end + 1]


__all__ = [
    "ALLOW_REAL_REQUESTS",
    "LONG_KINDS",
    "MAX_TOKENS",
    "AnthropicCallError",
    "AnthropicConfigError",
    "AnthropicSpecialist",
    "AnthropicStepResult",
    "ApiConnectionError",
    "ApiPermissionError",
    "ApiRequestRejectedError",
    "ApiTimeoutError",
    "BadResponseError",
    "BillingError",
    "InvalidApiKeyError",
    "MissingApiKeyError",
    "OverloadedError",
    "RateLimitedError",
    "RealRequestsBlockedError",
    "RequestTooLargeError",
    "ServerError",
    "UnknownModelError",
    "UnusableOutputError",
    "map_sdk_error",
    "output_schema",
    "render_request",
    "usage_of",
]

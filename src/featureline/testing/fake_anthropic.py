"""A local HTTP server that speaks the Anthropic Messages API, for tests and demos.

``POST /v1/messages`` answers JSON, or server-sent events when the request streams. The
answer to a step is the artifact :class:`~featureline.providers.builtin.BuiltinSpecialist`
builds from what the prompt carries (request, declared inputs, feedback), recognised by the
output schema's title or the prompt's ``Step: <id> (kind: <kind>)`` line; a ``Review``
schema is answered by the builtin critic. Usage is estimated at ~4 characters a token,
with cache writes and reads when a request marks a ``cache_control`` breakpoint whose
prefix was seen before. Every request is recorded, and faults queued with
:meth:`FakeMessagesAPI.inject` are applied to the next requests in order::

    with FakeMessagesAPI() as api:
        api.inject(Fault.rate_limited(), Fault.max_tokens())
        specialist = AnthropicSpecialist("sk-test", base_url=api.base_url)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from featureline.agents import AgentSpec
from featureline.artifacts import ARTIFACT_TYPES, Artifact, RequirementsArtifact
from featureline.providers.base import StepTask
from featureline.providers.builtin import BuiltinSpecialist
from featureline.providers.builtin_critic import critique
from featureline.request import FeatureRequest

FaultKind = Literal[
    "status",
    "slow",
    "malformed_json",
    "max_tokens",
    "refusal",
    "invalid_artifact",
    "stream_error",
    "wrapped",
]

ERROR_TYPES: dict[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    529: "overloaded_error",
}
DEFAULT_MAX_REQUEST_BYTES = 32 * 1024 * 1024
_LOOKBACK_BLOCKS = 20
"""The API looks for a cached prefix at most this many blocks before a breakpoint."""
_TITLE_TO_KIND = {model.__name__: kind for kind, model in ARTIFACT_TYPES.items()}
_MARKER = re.compile(r"^Step: (?P<step>\S+) \(kind: (?P<kind>\w+)\)$", re.M)
_REVIEWER = re.compile(r"^Reviewer: (?P<name>.+)$", re.M)
_ARTIFACT = re.compile(
    r'<(?P<tag>artifact|artifact_under_review) step="(?P<step>[^"]+)" kind="(?P<kind>[^"]+)">\n'
    r"(?P<json>.*?)\n</(?P=tag)>",
    re.S,
)
_REQUEST = re.compile(r"<feature_request>\n(?P<body>.*?)\n</feature_request>", re.S)
_FEEDBACK = re.compile(r"<feedback>\n(?P<body>.*?)\n</feedback>", re.S)


def estimate_tokens(text: str) -> int:
    """~4 characters a token, at least one for any text."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour, applied to one request."""

    kind: FaultKind
    status: int = 200
    error_type: str = ""
    message: str = ""
    retry_after_s: float | None = None
    delay_s: float = 0.0

    @classmethod
    def http_error(
        cls, status: int, message: str = "", *, retry_after_s: float | None = None
    ) -> Fault:
        """An Anthropic-shaped error body with this status (400, 401, 403, 404, 413, 5xx...)."""
        return cls(
            "status",
            status=status,
            error_type=ERROR_TYPES.get(status, "api_error"),
            message=message or f"fake {ERROR_TYPES.get(status, 'error')}",
            retry_after_s=retry_after_s,
        )

    @classmethod
    def rate_limited(cls, retry_after_s: float = 0.001) -> Fault:
        return cls.http_error(
            429,
            "Number of request tokens has exceeded your rate limit",
            retry_after_s=retry_after_s,
        )

    @classmethod
    def overloaded(cls, retry_after_s: float | None = 0.001) -> Fault:
        return cls.http_error(529, "Overloaded", retry_after_s=retry_after_s)

    @classmethod
    def server_error(cls, retry_after_s: float | None = 0.001) -> Fault:
        return cls.http_error(500, "Internal server error", retry_after_s=retry_after_s)

    @classmethod
    def slow(cls, delay_s: float) -> Fault:
        """Answer normally, but only after ``delay_s`` (past the client's timeout)."""
        return cls("slow", delay_s=delay_s)

    @classmethod
    def malformed_json(cls) -> Fault:
        """HTTP 200 whose body (or stream event) is not valid JSON."""
        return cls("malformed_json")

    @classmethod
    def max_tokens(cls) -> Fault:
        """The answer cut in half with ``stop_reason: max_tokens``."""
        return cls("max_tokens")

    @classmethod
    def refusal(cls) -> Fault:
        return cls("refusal")

    @classmethod
    def invalid_artifact(cls) -> Fault:
        """Well-formed JSON that misses a required field of the artifact."""
        return cls("invalid_artifact")

    @classmethod
    def wrapped(cls) -> Fault:
        """The artifact's JSON inside a sentence and a ```json fence, as a server or model
        that ignores ``output_config`` answers."""
        return cls("wrapped")

    @classmethod
    def stream_error(cls, error_type: str = "overloaded_error") -> Fault:
        """A stream that starts, then sends an ``error`` event (non-streaming: a 529)."""
        return cls("stream_error", error_type=error_type, message="Overloaded")


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the server saw it (headers included: the server may see the key)."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None
    raw: bytes
    fault: Fault | None
    kind: str | None
    streamed: bool
    at: datetime

    @property
    def user_text(self) -> str:
        """All text of the user turns, joined."""
        return "\n\n".join(_message_texts(self.body or {}))

    @property
    def user_blocks(self) -> list[dict[str, Any]]:
        blocks: list[dict[str, Any]] = []
        for message in (self.body or {}).get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                blocks.append({"type": "text", "text": content})
            elif isinstance(content, list):
                blocks.extend(b for b in content if isinstance(b, dict))
        return blocks


@dataclass
class _Answer:
    status: int
    payload: Any
    headers: dict[str, str] = field(default_factory=dict)


def _message_texts(body: dict[str, Any]) -> list[str]:
    texts: list[str] = []
    for message in body.get("messages", []):
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(str(b.get("text", "")) for b in content if isinstance(b, dict))
    return texts


def _system_blocks(body: dict[str, Any]) -> list[dict[str, Any]]:
    system = body.get("system")
    if isinstance(system, str):
        return [{"type": "text", "text": system}]
    if isinstance(system, list):
        return [b for b in system if isinstance(b, dict)]
    return []


def _schema_of(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema a request asks its answer to match ({} when it asks none)."""
    output_config = body.get("output_config")
    fmt = output_config.get("format") if isinstance(output_config, dict) else None
    schema = fmt.get("schema") if isinstance(fmt, dict) else None
    return schema if isinstance(schema, dict) else {}


def _credential(headers: dict[str, str]) -> str:
    """The key a request carries: ``x-api-key``, or a bearer token (this SDK's choice)."""
    if headers.get("x-api-key"):
        return headers["x-api-key"]
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _error_body(error_type: str, message: str, request_id: str) -> dict[str, Any]:
    return {
        "type": "error",
        "error": {"type": error_type, "message": message},
        "request_id": request_id,
    }


class FakeMessagesAPI:
    """The fake server; start it with ``with FakeMessagesAPI() as api`` and use ``api.base_url``.

    ``api_key``: when set, any other key (``x-api-key`` or bearer token) gets a 401.
    ``known_models``: when set, other models get a 404 (by default any ``claude-*`` id is
    known). ``min_cache_tokens``: a breakpoint on a shorter prefix caches nothing, as with
    the real API. ``max_request_bytes``: larger bodies get a 413. ``output_limits``: the
    largest ``max_tokens`` per model id prefix (``GET /v1/models/{id}`` reports it, a larger
    ``max_tokens`` gets a 400, as the API does); unlisted models accept 64000.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        known_models: set[str] | None = None,
        min_cache_tokens: int = 1024,
        max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
        chunk_chars: int = 4096,
        output_limits: dict[str, int] | None = None,
    ) -> None:
        self.output_limits = dict(output_limits or {})
        self.api_key = api_key
        self.known_models = known_models
        self.min_cache_tokens = min_cache_tokens
        self.max_request_bytes = max_request_bytes
        self.chunk_chars = chunk_chars
        self._lock = threading.Lock()
        self._faults: deque[Fault] = deque()
        self._requests: list[RecordedRequest] = []
        self._cache: set[str] = set()
        self._counter = 0
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._builtin = BuiltinSpecialist()

    # -- lifecycle --------------------------------------------------------------------

    def start(self) -> FakeMessagesAPI:
        handler = _handler_for(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None

    def __enter__(self) -> FakeMessagesAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- faults and records -------------------------------------------------------------

    def inject(self, *faults: Fault) -> None:
        """Queue faults; each following request takes the next one."""
        with self._lock:
            self._faults.extend(faults)

    @property
    def pending_faults(self) -> int:
        with self._lock:
            return len(self._faults)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget requests, faults and the prompt cache."""
        with self._lock:
            self._requests.clear()
            self._faults.clear()
            self._cache.clear()

    # -- answering ------------------------------------------------------------------------

    def _next_id(self) -> int:
        with self._lock:
            self._counter += 1
            return self._counter

    def handle(
        self, method: str, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[_Answer, bool, Iterator[bytes] | None]:
        """(answer, streamed, SSE chunks) for one request; records it."""
        number = self._next_id()
        request_id = f"req_fake_{number:04d}"
        base_headers = {"request-id": request_id}
        if method == "GET" and path.split("?")[0].startswith("/v1/models/"):
            # the Models API: not recorded, never faulted
            info = self._model_info(path)
            if info is None:
                missing = _error_body("not_found_error", f"model: {path}", request_id)
                return _Answer(404, missing, base_headers), False, None
            return _Answer(200, info, base_headers), False, None
        body: dict[str, Any] | None = None
        try:
            parsed = json.loads(raw) if raw else None
            body = parsed if isinstance(parsed, dict) else None
        except ValueError:
            body = None
        streamed = bool(body and body.get("stream"))
        kind = self._kind_of(body) if body else None
        rejection = self._reject(method, path, headers, raw, body)
        fault: Fault | None = None
        if rejection is None:  # a request the API turns away never consumes a fault
            with self._lock:
                fault = self._faults.popleft() if self._faults else None
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    method, path, dict(headers), body, raw, fault, kind, streamed, datetime.now(UTC)
                )
            )

        def error(
            status: int, error_type: str, message: str, extra: dict[str, str] | None = None
        ) -> tuple[_Answer, bool, None]:
            return (
                _Answer(
                    status,
                    _error_body(error_type, message, request_id),
                    {**base_headers, **(extra or {})},
                ),
                False,
                None,
            )

        if rejection is not None:
            return error(*rejection)
        assert body is not None
        if fault is not None and fault.kind == "status":
            extra: dict[str, str] = {}
            if fault.retry_after_s is not None:
                extra["retry-after-ms"] = str(max(1, int(fault.retry_after_s * 1000)))
                extra["retry-after"] = str(max(0, math.ceil(fault.retry_after_s)))
            return error(fault.status, fault.error_type, fault.message, extra)
        if fault is not None and fault.kind == "stream_error" and not streamed:
            return error(529, "overloaded_error", "Overloaded")
        cached = self._cache_read(body)  # as the API: what is cached when the request arrives
        if fault is not None and fault.kind == "slow":
            self._stopping.wait(fault.delay_s)

        model = str(body.get("model", ""))
        limit = self.output_limit(model)
        if int(body.get("max_tokens") or 0) > limit:
            return error(
                400,
                "invalid_request_error",
                f"max_tokens: {body.get('max_tokens')} > {limit}, which is the maximum allowed "
                f"number of output tokens for {model}",
            )
        try:
            text, stop_reason = self._answer_text(body, kind, fault)
        except Exception as exc:  # a prompt the fake cannot read: say so, as a 500 would
            return error(500, "api_error", f"the fake could not answer: {exc!r}"[:300])
        usage = self._usage(body, text, cached)
        max_tokens = int(body.get("max_tokens") or 0)
        if max_tokens and usage["output_tokens"] > max_tokens and stop_reason == "end_turn":
            text, stop_reason = text[: max_tokens * 4], "max_tokens"
            usage["output_tokens"] = max_tokens
        message = {
            "id": f"msg_fake_{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": text}],
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage,
        }
        if streamed:
            return _Answer(200, None, base_headers), True, self._sse(message, fault)
        if fault is not None and fault.kind == "malformed_json":
            broken = json.dumps(message)[: len(json.dumps(message)) // 2]
            return _Answer(200, broken, base_headers), False, None
        return _Answer(200, message, base_headers), False, None

    def output_limit(self, model: str) -> int:
        matches = [prefix for prefix in self.output_limits if model.startswith(prefix)]
        return self.output_limits[max(matches, key=len)] if matches else 64_000

    def _model_info(self, path: str) -> dict[str, Any] | None:
        """``GET /v1/models/{id}`` for a known model: its ModelInfo with ``max_tokens``."""
        route = path.split("?")[0].rstrip("/")
        model = route.removeprefix("/v1/models/")
        known = model in self.known_models if self.known_models is not None else True
        if not known or not model.startswith("claude-"):
            return None
        return {
            "type": "model",
            "id": model,
            "display_name": model,
            "created_at": "2025-01-01T00:00:00Z",
            "lifecycle": "active",
            "max_tokens": self.output_limit(model),
        }

    def _reject(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        raw: bytes,
        body: dict[str, Any] | None,
    ) -> tuple[int, str, str] | None:
        """(status, error type, message) when the API would turn the request away."""
        if method != "POST" or path.split("?")[0].rstrip("/") != "/v1/messages":
            return 404, "not_found_error", f"no route {method} {path} in the fake"
        if len(raw) > self.max_request_bytes:
            return 413, "request_too_large", "Request exceeds the maximum allowed size"
        if body is None:
            return 400, "invalid_request_error", "request body is not a JSON object"
        given_key = _credential(headers)
        if not given_key or (self.api_key is not None and given_key != self.api_key):
            return 401, "authentication_error", "invalid x-api-key"
        model = str(body.get("model", ""))
        known = (
            model in self.known_models
            if self.known_models is not None
            else model.startswith("claude-")
        )
        if not known:
            return 404, "not_found_error", f"model: {model}"
        return None

    def _kind_of(self, body: dict[str, Any]) -> str | None:
        title = str(_schema_of(body).get("title", ""))
        if title == "Review":
            return "review"
        if title in _TITLE_TO_KIND:
            return _TITLE_TO_KIND[title]
        text = "\n".join(_message_texts(body))
        if _REVIEWER.search(text):
            return "review"
        match = _MARKER.search(text)
        return match.group("kind") if match else None

    def _answer_text(
        self, body: dict[str, Any], kind: str | None, fault: Fault | None
    ) -> tuple[str, str]:
        if fault is not None and fault.kind == "refusal":
            return "I can't help with that request.", "refusal"
        text = self._build_answer(body, kind)
        if fault is not None and fault.kind == "max_tokens":
            return text[: max(1, len(text) // 2)], "max_tokens"
        if fault is not None and fault.kind == "wrapped":
            return f"Here is the artifact you asked for:\n\n```json\n{text}\n```\n", "end_turn"
        if fault is not None and fault.kind == "invalid_artifact":
            data = json.loads(text)
            required = _schema_of(body).get("required") or list(data)
            data.pop(str(required[0]), None)
            return json.dumps(data), "end_turn"
        return text, "end_turn"

    def _build_answer(self, body: dict[str, Any], kind: str | None) -> str:
        """The builtin's artifact (or the builtin critic's review) for what the prompt carries."""
        text = "\n\n".join(_message_texts(body))
        request = _parse_request(text)
        inputs: dict[str, Artifact] = {}
        under_review: Artifact | None = None
        for match in _ARTIFACT.finditer(text):
            model = ARTIFACT_TYPES.get(match.group("kind"))
            if model is None:
                continue
            artifact = model.model_validate_json(match.group("json"))
            if match.group("tag") == "artifact_under_review":
                under_review = artifact
            else:
                inputs[match.group("step")] = artifact
        if kind == "review":
            reviewer = _REVIEWER.search(text)
            requirements = next(
                (a for a in inputs.values() if isinstance(a, RequirementsArtifact)), None
            )
            if under_review is None:
                return json.dumps(
                    {
                        "verdict": "reject",
                        "summary": "nothing to review",
                        "issues": [],
                        "suggestions": [],
                    }
                )
            name = reviewer.group("name").strip() if reviewer else "reviewer"
            return critique(name, under_review, requirements).model_dump_json()
        marker = _MARKER.search(text)
        step = marker.group("step") if marker else (kind or "requirements")
        feedback = _FEEDBACK.search(text)
        lines = feedback.group("body").splitlines() if feedback else []
        task = StepTask(
            run_id="fake",
            step=step,
            kind=kind or "requirements",
            instructions="",
            agent=AgentSpec(name="fake", description="fake", system_prompt="fake"),
            request=request,
            inputs=inputs,
            attempt=1,
            feedback=tuple(line[2:] for line in lines if line.startswith("- ")),
        )
        return self._builtin.build(task).model_dump_json()

    def _ordered_blocks(self, body: dict[str, Any]) -> list[dict[str, Any]]:
        ordered: list[dict[str, Any]] = _system_blocks(body)
        for message in body.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                ordered.append({"type": "text", "text": content})
            elif isinstance(content, list):
                ordered.extend(b for b in content if isinstance(b, dict))
        return ordered

    def _cache_read(self, body: dict[str, Any]) -> int:
        """Tokens read from the cache: at each breakpoint, the longest prefix ending at a
        block boundary up to 20 blocks back that was cached when the request arrived."""
        ordered = self._ordered_blocks(body)
        sizes = [estimate_tokens(str(b.get("text", ""))) for b in ordered]
        read = 0
        for index in (i for i, b in enumerate(ordered) if b.get("cache_control")):
            for boundary in range(index, max(-1, index - _LOOKBACK_BLOCKS), -1):
                if self._is_cached(body, ordered, boundary):
                    read = max(read, sum(sizes[: boundary + 1]))
                    break
        return read

    def _usage(self, body: dict[str, Any], text: str, read: int) -> dict[str, int]:
        """Usage of an answer that begins now: the prefix at each breakpoint is cached from
        this moment (the API makes an entry readable once its response has started)."""
        ordered = self._ordered_blocks(body)
        total = sum(estimate_tokens(str(b.get("text", ""))) for b in ordered)
        total += estimate_tokens(json.dumps(body.get("output_config") or "", sort_keys=True))
        sizes = [estimate_tokens(str(b.get("text", ""))) for b in ordered]
        last_tokens = 0
        with self._lock:
            for index in (i for i, b in enumerate(ordered) if b.get("cache_control")):
                tokens = sum(sizes[: index + 1])
                if tokens >= self.min_cache_tokens:
                    self._cache.add(self._prefix_key(body, ordered, index))
                    last_tokens = max(last_tokens, tokens)
        written = max(0, last_tokens - read)
        return {
            "input_tokens": total - written - read,
            "output_tokens": estimate_tokens(text),
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": read,
        }

    def _prefix_key(self, body: dict[str, Any], ordered: list[dict[str, Any]], index: int) -> str:
        texts = [b.get("text") for b in ordered[: index + 1]]
        return hashlib.sha256(json.dumps([body.get("model"), texts]).encode()).hexdigest()

    def _is_cached(self, body: dict[str, Any], ordered: list[dict[str, Any]], index: int) -> bool:
        key = self._prefix_key(body, ordered, index)
        with self._lock:
            return key in self._cache

    def _sse(self, message: dict[str, Any], fault: Fault | None) -> Iterator[bytes]:
        def event(name: str, data: Any) -> bytes:
            payload = data if isinstance(data, str) else json.dumps(data)
            return f"event: {name}\ndata: {payload}\n\n".encode()

        usage = message["usage"]
        start = {
            **message,
            "content": [],
            "stop_reason": None,
            "usage": {**usage, "output_tokens": 1},
        }
        yield event("message_start", {"type": "message_start", "message": start})
        if fault is not None and fault.kind == "malformed_json":
            yield event(
                "content_block_start", '{"type": "content_block_start", "index": 0, "content_bl'
            )
            return
        if fault is not None and fault.kind == "stream_error":
            yield event(
                "error",
                {"type": "error", "error": {"type": fault.error_type, "message": fault.message}},
            )
            return
        yield event(
            "content_block_start",
            {
                "type": "content_block_start",
                "index": 0,
                "content_block": {"type": "text", "text": ""},
            },
        )
        yield event("ping", {"type": "ping"})
        text = message["content"][0]["text"]
        for offset in range(0, len(text), self.chunk_chars):
            delta = {"type": "text_delta", "text": text[offset : offset + self.chunk_chars]}
            yield event(
                "content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta}
            )
        yield event("content_block_stop", {"type": "content_block_stop", "index": 0})
        yield event(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None},
                "usage": {"output_tokens": usage["output_tokens"]},
            },
        )
        yield event("message_stop", {"type": "message_stop"})


def _parse_request(text: str) -> FeatureRequest:
    """The feature request from its prompt block; the whole text when there is none."""
    match = _REQUEST.search(text)
    if match is None:
        first = text.strip().splitlines()[0][:60] if text.strip() else "Feature request"
        return FeatureRequest(title=first or "Feature request", text=text.strip() or "A feature.")
    lines = match.group("body").split("\n")
    title = "Feature request"
    hints: dict[str, Any] = {}
    while lines and (lines[0].startswith("Title: ") or lines[0].startswith("Hints: ")):
        head = lines.pop(0)
        if head.startswith("Title: "):
            title = head[len("Title: ") :]
        else:
            loaded = json.loads(head[len("Hints: ") :])
            hints = loaded if isinstance(loaded, dict) else {}
    if lines and not lines[0]:
        lines.pop(0)
    return FeatureRequest(title=title, text="\n".join(lines), hints=hints)


def _handler_for(api: FakeMessagesAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "fake-anthropic/1"

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer, streamed, chunks = api.handle(self.command, self.path, headers, raw)
            try:
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if streamed and chunks is not None:
                    self.send_header("content-type", "text/event-stream")
                    self.send_header("cache-control", "no-cache")
                    self.end_headers()
                    for chunk in chunks:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    return
                payload = (
                    answer.payload
                    if isinstance(answer.payload, str)
                    else json.dumps(answer.payload)
                ).encode()
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                return  # the client gave up (timeout): nothing to answer

        do_POST = _serve
        do_GET = _serve

    return Handler


def main() -> None:
    """``python -m featureline.testing``: serve until interrupted (for demos)."""
    with FakeMessagesAPI() as api:
        print(f"export ANTHROPIC_BASE_URL={api.base_url} ANTHROPIC_API_KEY=sk-fake", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                time.sleep(1)


__all__ = ["ERROR_TYPES", "FakeMessagesAPI", "Fault", "RecordedRequest", "estimate_tokens"]

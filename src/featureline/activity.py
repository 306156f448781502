"""What is happening inside a step right now, for live progress: tokens streaming in, the
SDK retrying, an error the moment it happens.

Providers and checks report here (thread-safe, in-process, no rich, no SDK); the CLI's
progress board reads :func:`snapshot` each time it redraws. Nothing here is stored: the
ledger and the run's history stay the record; this is only what a person watches.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

Listener = Callable[[str, "StepActivity"], None]


@dataclass(frozen=True)
class StepActivity:
    """One step's live state: tokens of the answer streaming in, the phase it is in, and
    the last retry or error (``note``), with when it was reported."""

    streamed_tokens: int = 0
    phase: str = ""
    retries: int = 0
    note: str = ""
    error: str = ""
    at: float = field(default_factory=time.monotonic)


_lock = threading.Lock()
_steps: dict[str, StepActivity] = {}
_listeners: list[Listener] = []
_current = threading.local()


def _update(step: str, **changes: Any) -> None:
    with _lock:
        activity = replace(_steps.get(step, StepActivity()), at=time.monotonic(), **changes)
        _steps[step] = activity
        listeners = list(_listeners)
    for listener in listeners:
        listener(step, activity)


@contextmanager
def working_on(step: str, phase: str) -> Iterator[None]:
    """Mark this thread as working on ``step`` (reports without a step name land there)."""
    previous = getattr(_current, "step", None)
    _current.step = step
    _update(step, phase=phase, streamed_tokens=0, error="", note="")
    try:
        yield
    finally:
        _current.step = previous
        _update(step, phase="")


def current_step() -> str | None:
    step = getattr(_current, "step", None)
    return step if isinstance(step, str) else None


def streamed(tokens: int, step: str | None = None) -> None:
    """The answer being streamed has reached ~``tokens`` output tokens."""
    target = step or current_step()
    if target is not None:
        _update(target, streamed_tokens=tokens)


def retrying(note: str, step: str | None = None) -> None:
    """The SDK got an answer it will retry (a 429, 529, 5xx): one line for the user."""
    target = step or current_step()
    if target is not None:
        with _lock:
            count = _steps.get(target, StepActivity()).retries + 1
        _update(target, retries=count, note=note)


def failed(message: str, step: str | None = None) -> None:
    """A step's attempt failed; shown at once, not when its siblings finish."""
    target = step or current_step()
    if target is not None:
        _update(target, error=message)


def snapshot() -> dict[str, StepActivity]:
    with _lock:
        return dict(_steps)


def reset() -> None:
    with _lock:
        _steps.clear()


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener(step, activity)`` on every report while the block runs."""
    with _lock:
        _listeners.append(listener)
    try:
        yield
    finally:
        with _lock:
            _listeners.remove(listener)


__all__ = [
    "StepActivity",
    "current_step",
    "failed",
    "listening",
    "reset",
    "retrying",
    "snapshot",
    "streamed",
    "working_on",
]

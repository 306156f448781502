"""Let parallel calls share the prompt cache: a call whose prompt extends the prefix another
call is about to write waits (bounded) until that call's answer has begun.

The Messages API makes a cache entry available only once the response that writes it has
started, so siblings started together (``schema`` and ``api_spec``; ``testing``,
``performance`` and ``docs``) would each pay to write the same prefix. With the gate the
first writes it and the others read it at a tenth of the price; the cost is latency (a
waiting sibling starts when the first one's answer begins, at most ``timeout_s`` later).
No SDK import: prompts are hashed block by block.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

from featureline.providers.prompts import Prompt

DEFAULT_WAIT_S: Final = 60.0


def prefix_keys(model: str, prompt: Prompt) -> tuple[list[str], list[int]]:
    """Cumulative hashes of the prompt at each user-block boundary (system included), and
    the indexes of its cache breakpoints (none: the prompt writes no cache)."""
    digest = hashlib.sha256(json.dumps([model, prompt.system]).encode())
    keys: list[str] = []
    for block in prompt.blocks:
        digest.update(json.dumps(block.text).encode())
        keys.append(digest.copy().hexdigest())
    return keys, [i for i, b in enumerate(prompt.blocks) if b.cache]


class PrefixGate:
    """In-flight cache writes by prefix key; thread-safe."""

    def __init__(self, timeout_s: float = DEFAULT_WAIT_S) -> None:
        self.timeout_s = timeout_s
        self._lock = threading.Lock()
        self._writing: dict[str, threading.Event] = {}

    @contextmanager
    def turn(self, keys: Sequence[str], marks: Sequence[int]) -> Iterator[threading.Event]:
        """Wait for calls writing a prefix of ours, then announce the prefixes we write (one
        per breakpoint); set the yielded event as soon as the answer has begun (leaving the
        block sets it too)."""
        if not marks or self.timeout_s <= 0:
            yield threading.Event()
            return
        chain = set(keys[: marks[-1] + 1])
        started = threading.Event()
        deadline = time.monotonic() + self.timeout_s
        while True:
            with self._lock:  # look and claim in one step: two siblings never both write
                ahead = [e for key, e in self._writing.items() if key in chain]
                if not ahead or time.monotonic() >= deadline:
                    mine = [keys[i] for i in marks if keys[i] not in self._writing]
                    for key in mine:
                        self._writing[key] = started
                    break
            ahead[0].wait(max(0.0, deadline - time.monotonic()))
        try:
            yield started
        finally:
            started.set()
            with self._lock:
                for key in mine:
                    if self._writing.get(key) is started:
                        del self._writing[key]


__all__ = ["DEFAULT_WAIT_S", "PrefixGate", "prefix_keys"]

"""Bounded capture of a child's output: keep the head and the tail, count the rest."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import IO


class BoundedCapture:
    """Drains a pipe in a daemon thread so the child never blocks on a full pipe,
    holding at most ``limit`` bytes (half head, half tail) whatever it writes."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        self._stream = stream
        self._head_limit = limit - limit // 2
        self._tail_limit = limit // 2
        self._head = bytearray()
        self._tail = bytearray()
        self._total = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        fd = self._stream.fileno()
        try:
            while chunk := os.read(fd, 65536):
                self._add(chunk)
        except OSError:
            pass  # the pipe was closed under us: keep what we have
        finally:
            with contextlib.suppress(OSError):
                self._stream.close()

    def _add(self, chunk: bytes) -> None:
        with self._lock:
            self._total += len(chunk)
            room = self._head_limit - len(self._head)
            if room > 0:
                self._head += chunk[:room]
                chunk = chunk[room:]
            if chunk and self._tail_limit:
                self._tail += chunk
                if len(self._tail) > self._tail_limit:
                    del self._tail[: len(self._tail) - self._tail_limit]

    def join(self, timeout: float) -> bool:
        """Wait for EOF; False when a process outside our reach still holds the pipe."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def text(self) -> str:
        """What was captured, decoded; a marker stands where the middle was cut."""
        with self._lock:
            return render(bytes(self._head), bytes(self._tail), self._total)


def render(head: bytes, tail: bytes, total: int) -> str:
    cut = total - len(head) - len(tail)
    head_text = head.decode("utf-8", errors="replace")
    if cut <= 0:
        return head_text + tail.decode("utf-8", errors="replace")
    tail_text = tail.decode("utf-8", errors="replace")
    return f"{head_text}\n… [truncated {cut} bytes] …\n{tail_text}"


def truncate(data: bytes, limit: int) -> str:
    """The same head-and-tail truncation for bytes already in memory."""
    if len(data) <= limit:
        return data.decode("utf-8", errors="replace")
    head_len = limit - limit // 2
    tail_len = limit // 2
    tail = data[len(data) - tail_len :] if tail_len else b""
    return render(data[:head_len], tail, len(data))

"""A provider that replays queued answers: for tests, demos and reproducing a bad attempt.

Shipped in the library (like pydantic-ai's TestModel) so anyone can drive the workflow
step by step without a key: queue a broken artifact to see a gate catch it, then let a
fallback specialist produce the rest.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from featureline.artifacts import Artifact
from featureline.errors import ProviderError
from featureline.providers.base import Specialist, StepResult, StepTask


class ScriptedSpecialist:
    """Answers each step from its queue, then from ``fallback``; records every task it saw."""

    name = "scripted"

    def __init__(
        self,
        script: Mapping[str, Sequence[Artifact | dict[str, Any]]] | None = None,
        fallback: Specialist | None = None,
        model: str = "scripted",
    ) -> None:
        self._queues: dict[str, deque[Artifact | dict[str, Any]]] = {
            step: deque(answers) for step, answers in (script or {}).items()
        }
        self._fallback = fallback
        self._model = model
        self._lock = threading.Lock()
        self.calls: list[StepTask] = []

    def produce(self, task: StepTask) -> StepResult:
        with self._lock:
            self.calls.append(task)
            queue = self._queues.get(task.step)
            answer = queue.popleft() if queue else None
        if answer is not None:
            return StepResult(artifact=answer, model=self._model)
        if self._fallback is None:
            raise ProviderError(self.name, task.step, "no scripted answer left and no fallback")
        return self._fallback.produce(task)

    def calls_for(self, step: str) -> list[StepTask]:
        with self._lock:
            return [call for call in self.calls if call.step == step]

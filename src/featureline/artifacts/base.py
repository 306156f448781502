"""What every artifact shares, and the record that stores one attempt of a step."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Artifact(BaseModel):
    """Base of the eight step artifacts; ``step`` ties a model to its pipeline step kind."""

    model_config = ConfigDict(extra="forbid")

    step: ClassVar[str] = ""

    def content_hash(self) -> str:
        """sha256 of the canonical JSON form: equal content gives an equal hash."""
        return content_hash(self.model_dump(mode="json"))


class Part(BaseModel):
    """Base for nested pieces of an artifact: strict, so typos surface as errors."""

    model_config = ConfigDict(extra="forbid")


def content_hash(data: Any) -> str:
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class Usage(BaseModel):
    """Tokens one call cost; the builtin specialist reports zeros honestly."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_creation_input_tokens
            + self.cache_read_input_tokens
        )

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_creation_input_tokens=self.cache_creation_input_tokens
            + other.cache_creation_input_tokens,
            cache_read_input_tokens=self.cache_read_input_tokens + other.cache_read_input_tokens,
        )


class Producer(BaseModel):
    """Who produced an artifact: provider name and model id."""

    provider: str
    model: str


class ArtifactRecord(BaseModel):
    """One attempt of one step: the artifact plus everything needed to audit it later."""

    step: str
    kind: str
    attempt: int
    round: int = Field(default=1, description="increments each time a reviewer rejects the step")
    producer: Producer
    started_at: datetime
    finished_at: datetime
    usage: Usage = Field(default_factory=Usage)
    content_hash: str
    feedback: list[str] = Field(
        default_factory=list, description="what this attempt was asked to fix"
    )
    artifact: dict[str, Any]

    @property
    def duration_s(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()

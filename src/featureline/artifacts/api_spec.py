"""Step 4: API specification (an OpenAPI 3.1 document plus the facts a reviewer needs)."""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from featureline.artifacts.base import Artifact, Part

HttpMethod = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class Endpoint(Part):
    method: HttpMethod
    path: str
    operation_id: str
    summary: str
    requirement_ids: list[str]
    auth_required: bool = True
    roles: list[str] = Field(
        default_factory=list,
        description="roles allowed to call it; empty: any authenticated user (403 for others)",
    )
    success_status: int
    error_statuses: list[int] = Field(default_factory=list)


class ErrorModel(Part):
    media_type: str = "application/problem+json"
    standard: str = "RFC 9457"
    fields: list[str] = Field(
        default_factory=lambda: ["type", "title", "status", "detail", "instance"]
    )


class AuthPolicy(Part):
    scheme: Literal["bearer", "api_key", "oauth2", "session", "none"]
    description: str


class RateLimitPolicy(Part):
    requests: int
    per_seconds: int
    scope: Literal["user", "ip", "token", "global"]
    description: str = ""


class ApiSpecArtifact(Artifact):
    step: ClassVar[str] = "api_spec"

    openapi_json: str = Field(description="the OpenAPI 3.1 document as a JSON string")
    endpoints: list[Endpoint]
    error_model: ErrorModel
    auth: AuthPolicy
    versioning: str
    rate_limit: RateLimitPolicy

    @field_validator("openapi_json")
    @classmethod
    def _must_be_json_object(cls, value: str) -> str:
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(
                f"openapi_json is not valid JSON: {exc.msg} at line {exc.lineno}"
            ) from exc
        if not isinstance(parsed, dict):
            raise ValueError("openapi_json must be a JSON object")
        return value

    @property
    def openapi(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.openapi_json)
        return parsed

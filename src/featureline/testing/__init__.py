"""Test doubles shipped with featureline: a local Messages API server with fault injection."""

from __future__ import annotations

from featureline.testing.fake_anthropic import FakeMessagesAPI, Fault, RecordedRequest

__all__ = ["FakeMessagesAPI", "Fault", "RecordedRequest"]

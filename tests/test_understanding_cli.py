"""A request the builtin cannot understand stops at the requirements gate for a person."""

from __future__ import annotations

from tests.clihelpers import invoke


def test_unintelligible_request_stops_with_exit_3_and_says_how_to_proceed() -> None:
    code, output = invoke("run", "Make it better for our users.", "--gates", "auto")
    assert code == 3, output
    assert "requirements" in output and "awaiting_review" in output
    assert "could not find what the request is about" in output
    assert "--provider anthropic" in output and "entities:" in output
    assert "approved" not in output

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


def test_an_approved_run_names_what_it_left_undone() -> None:
    """ "approved all 8 steps" must not read as "everything was built": deferred
    requirements and open questions are counted in the closing lines."""
    request = (
        "Volunteers register beehives with a name and an apiary location. "
        "The total honey yield per apiary is shown every season."
    )
    code, output = invoke("run", request, "--gates", "auto", "--no-verify")
    assert code == 0, output
    assert "approved all 8 steps" in output
    closing = output[output.index("approved all 8 steps") :]
    assert "not built: " in closing and "open question(s)" in closing, closing
    assert "featureline show " in closing and " requirements)" in closing


def test_a_fully_built_run_claims_nothing_left_undone() -> None:
    code, output = invoke(
        "run", "Users can save bookmarks with a URL and a title.", "--gates", "auto", "--no-verify"
    )
    assert code == 0, output
    assert "not built" not in output

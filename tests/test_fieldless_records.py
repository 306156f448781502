"""A record the builtin found but could not give a field of its own ("games are played
between a white player and a black player on a date") gets no PATCH and a deferred Update
requirement, instead of a planned one no test can exercise (the testing gate then stopped
every such run for the wrong reason: "Update game has no test")."""

from __future__ import annotations

from featureline.providers.builtin.api_spec import build_api_spec
from featureline.providers.builtin.requirements import build_requirements
from featureline.request import parse_request
from tests.clihelpers import invoke

CHESS = (
    "A chess club keeps players and games. A player has a name (unique) and a rating. "
    "Games are played between a white player and a black player on a date, and record the "
    "result."
)


def test_a_record_without_fields_has_no_update_and_says_so() -> None:
    req = build_requirements(parse_request(CHESS))
    fieldless = [e.name for e in req.entities if not e.fields]
    assert fieldless, "the request is meant to leave one record without fields"
    name = fieldless[0].replace("_", " ")
    [update] = [f for f in req.functional if f.title == f"Update {name}"]
    assert update.status == "deferred" and "no field" in update.status_note
    api = build_api_spec(req)
    patches = [e.path for e in api.endpoints if e.method == "PATCH"]
    assert patches and not [p for p in patches if fieldless[0].replace("_", "-") in p]


def test_such_a_request_passes_every_gate_with_the_update_deferred() -> None:
    code, output = invoke("run", CHESS, "--gates", "auto", "--no-verify")
    assert code == 0, output
    assert "not built: " in output and "deferred requirement(s)" in output

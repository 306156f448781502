from __future__ import annotations

from pathlib import Path

import pytest

from featureline.agents import load_agent, load_agents, parse_agent
from featureline.errors import AgentFileError
from featureline.paths import default_agents_dir

SEED = Path(__file__).resolve().parents[2] / "shared" / "seeds" / "backend-specialist.md"
# sha256 of the seed: the check holds on a clone without the shared seeds beside it (no skip)
SEED_SHA256 = "1d360e05ad5be95a4454b7ca311caa43bf36e699379af079b0ec118ad9102611"


def test_shipped_specialist_loads_with_its_process() -> None:
    agent = load_agents(default_agents_dir())["backend-specialist"]
    assert agent.tools == (
        "Read",
        "Grep",
        "Glob",
        "Edit",
        "MultiEdit",
        "Bash",
        "mcp__ide__getDiagnostics",
    )
    assert "## Implementation Process" in agent.system_prompt
    assert agent.system_prompt.startswith("You are a senior backend developer")


def test_shipped_specialist_is_the_seed() -> None:
    import hashlib

    shipped = default_agents_dir() / "backend-specialist.md"
    assert hashlib.sha256(shipped.read_bytes()).hexdigest() == SEED_SHA256
    if SEED.exists():  # beside the shared seeds: the pinned hash is the seed's
        assert hashlib.sha256(SEED.read_bytes()).hexdigest() == SEED_SHA256


def test_tools_as_list_model_color_and_unknown_keys_are_kept() -> None:
    agent = parse_agent(
        "---\nname: dba\ndescription: Reviews schemas\n"
        "tools: [Read, 'mcp__db__query', Weird Tool]\n"
        "model: opus\ncolor: blue\npriority: 3\n---\nYou review schemas.\n"
    )
    assert agent.tools == ("Read", "mcp__db__query", "Weird Tool")
    assert (agent.model, agent.color) == ("opus", "blue")
    assert agent.extra == {"priority": 3}


def test_missing_tools_is_fine() -> None:
    assert parse_agent("---\nname: a\ndescription: b\n---\nbody").tools == ()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("You are an agent without front matter.", "no YAML front matter"),
        ("---\ndescription: x\n---\nbody", "no 'name'"),
        ("---\nname: x\n---\nbody", "no 'description'"),
        ("---\nname: [unclosed\ndescription: x\n---\nbody", "broken YAML"),
        ("---\nname: x\ndescription: y\n---\n", "body"),
        ("---\nname: x\ndescription: y\ntools: 7\n---\nbody", "'tools' must be"),
    ],
)
def test_malformed_agent_files_name_file_and_problem(
    tmp_path: Path, text: str, problem: str
) -> None:
    path = tmp_path / "agent.md"
    path.write_text(text)
    with pytest.raises(AgentFileError) as error:
        load_agent(path)
    assert str(path) in str(error.value)
    assert problem in str(error.value)
    assert "\n" not in str(error.value)


def test_binary_and_missing_agent_files(tmp_path: Path) -> None:
    binary = tmp_path / "bin.md"
    binary.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(AgentFileError, match="not UTF-8"):
        load_agent(binary)
    with pytest.raises(AgentFileError, match="file not found"):
        load_agent(tmp_path / "nope.md")


def test_duplicate_agent_names_in_a_folder(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text("---\nname: same\ndescription: d\n---\nbody")
    with pytest.raises(AgentFileError, match="also used by"):
        load_agents(tmp_path)

from __future__ import annotations

from pathlib import Path

import pytest

from featureline.agents import load_agent, load_agents, parse_agent
from featureline.errors import AgentFileError
from featureline.models import DEFAULT_MODEL, HAIKU, OPUS, SONNET, resolve_model
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


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_duplicate_names_are_reported_without_aborting_the_others(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        _write(tmp_path / name, "---\nname: same\ndescription: d\n---\nbody")
    _write(tmp_path / "c.md", "---\nname: other\ndescription: d\n---\nbody")
    loaded = load_agents(tmp_path)
    assert set(loaded) == {"other"}
    assert loaded.ambiguous["same"] == (str(tmp_path / "a.md"), str(tmp_path / "b.md"))
    assert len(loaded.problems) == 1
    assert "'same' is defined 2 times" in loaded.problems[0]


def test_a_broken_file_does_not_abort_its_folder(tmp_path: Path) -> None:
    _write(tmp_path / "bad.md", "---\nname: [unclosed\ndescription: x\n---\nbody")
    _write(tmp_path / "good.md", "---\nname: good\ndescription: d\n---\nbody")
    loaded = load_agents(tmp_path)
    assert set(loaded) == {"good"}
    assert "bad.md" in loaded.problems[0] and "broken YAML" in loaded.problems[0]


def test_a_folder_where_nothing_loads_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "bad.md", "---\ndescription: x\n---\nbody")
    with pytest.raises(AgentFileError, match="no agent loads"):
        load_agents(tmp_path)


def test_unquoted_description_with_colons_loads_as_text() -> None:
    text = (
        "---\nname: reviewer-x\n"
        "description: Reviews code. Examples: <example>Context: a PR lands. user: 'check it' "
        "assistant: 'I will' <commentary>why: because</commentary></example>\n"
        "tools: Read, Grep\nmodel: sonnet\n---\nYou review code.\n"
    )
    agent = parse_agent(text)
    assert agent.description.startswith("Reviews code. Examples: <example>Context: a PR")
    assert agent.description.endswith("</example>")
    assert agent.tools == ("Read", "Grep")
    assert agent.model == "sonnet"


def test_lenient_reading_keeps_nested_lists() -> None:
    text = (
        "---\nname: n\ndescription: Use it when: things break\ntools:\n  - Read\n  - Bash\n"
        "---\nbody\n"
    )
    agent = parse_agent(text)
    assert agent.tools == ("Read", "Bash")
    assert agent.description == "Use it when: things break"


def test_a_whole_file_indented_as_one_block_loads() -> None:
    text = "\n    ---\n    name: q\n    description: queues\n    ---\n\n    ## Focus\n    - x\n"
    agent = parse_agent(text)
    assert (agent.name, agent.description) == ("q", "queues")
    assert agent.system_prompt.startswith("## Focus")


def test_nested_collections_are_searched(tmp_path: Path) -> None:
    """categories/*/ layouts: every .md below; READMEs without front matter are skipped."""
    _write(tmp_path / "categories/01-core/api.md", "---\nname: api\ndescription: d\n---\nb")
    _write(tmp_path / "categories/02-lang/py.md", "---\nname: py\ndescription: d\n---\nb")
    _write(tmp_path / "categories/02-lang/README.md", "# Language agents\n")
    loaded = load_agents(tmp_path)
    assert set(loaded) == {"api", "py"}
    assert loaded.skipped == [tmp_path / "categories/02-lang/README.md"]
    assert loaded.problems == []


def test_plugin_layouts_read_only_agents_folders(tmp_path: Path) -> None:
    """plugins/*/agents/: skills and commands beside them are not agents."""
    _write(tmp_path / "plugins/be/agents/arch.md", "---\nname: arch\ndescription: d\n---\nb")
    _write(tmp_path / "plugins/ops/agents/sre.md", "---\nname: sre\ndescription: d\n---\nb")
    _write(tmp_path / "plugins/be/skills/x/SKILL.md", "---\nname: skill\ndescription: d\n---\nb")
    _write(tmp_path / "docs/guide.md", "---\nname: guide\ndescription: d\n---\nb")
    assert set(load_agents(tmp_path)) == {"arch", "sre"}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("sonnet", SONNET),
        ("Opus", OPUS),
        ("haiku", HAIKU),
        ("opusplan", OPUS),
        ("sonnet[1m]", SONNET),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-20250514"),
    ],
)
def test_agent_model_aliases_map_to_ids(model: str, expected: str) -> None:
    agent = parse_agent(f"---\nname: a\ndescription: d\nmodel: {model}\n---\nb")
    assert agent.warnings == ()
    assert resolve_model(None, agent.model, None) == expected


@pytest.mark.parametrize("model", ["inherit", "default"])
def test_inherit_defers_to_the_run(model: str) -> None:
    agent = parse_agent(f"---\nname: a\ndescription: d\nmodel: {model}\n---\nb")
    assert resolve_model("haiku", agent.model, None) == HAIKU
    assert resolve_model(None, agent.model, None) == DEFAULT_MODEL


def test_unknown_model_alias_is_one_clear_line_and_inherits() -> None:
    agent = parse_agent("---\nname: a\ndescription: d\nmodel: tortoise\n---\nb", "x.md")
    assert len(agent.warnings) == 1
    assert "x.md: model 'tortoise' is not a known alias" in agent.warnings[0]
    assert "\n" not in agent.warnings[0]
    assert resolve_model(None, agent.model, None) == DEFAULT_MODEL
    assert resolve_model("opus", agent.model, None) == OPUS

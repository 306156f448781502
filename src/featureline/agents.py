"""Load Claude Code subagent files (YAML front matter + a system-prompt body)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field

from featureline.errors import AgentFileError
from featureline.safeyaml import SafeYAMLHandler


class AgentSpec(BaseModel):
    """A subagent: who it is, which tools it may use, and its system prompt."""

    model_config = ConfigDict(frozen=True)

    name: str
    description: str
    tools: tuple[str, ...] = ()
    model: str | None = None
    color: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
    system_prompt: str
    source: str = ""


_KNOWN_KEYS = {"name", "description", "tools", "model", "color"}


def parse_agent(text: str, source: str = "<string>") -> AgentSpec:
    """Parse subagent text; raises AgentFileError naming ``source`` and the problem."""
    if not text.lstrip().startswith("---"):
        raise AgentFileError(source, "no YAML front matter (the file must start with '---')")
    try:
        post = frontmatter.loads(text, handler=SafeYAMLHandler())
    except yaml.YAMLError as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise AgentFileError(source, f"broken YAML front matter: {problem}") from exc
    meta = dict(post.metadata)
    if not meta:
        raise AgentFileError(source, "front matter is empty or not a mapping")
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AgentFileError(source, "front matter has no 'name'")
    description = meta.get("description")
    if not isinstance(description, str) or not description.strip():
        raise AgentFileError(source, "front matter has no 'description'")
    body = post.content.strip()
    if not body:
        raise AgentFileError(source, "the body (the agent's system prompt) is empty")
    model = meta.get("model")
    color = meta.get("color")
    return AgentSpec(
        name=name.strip(),
        description=description.strip(),
        tools=_parse_tools(meta.get("tools"), source),
        model=str(model) if model is not None else None,
        color=str(color) if color is not None else None,
        extra={k: v for k, v in meta.items() if k not in _KNOWN_KEYS},
        system_prompt=body,
        source=source,
    )


def _parse_tools(raw: object, source: str) -> tuple[str, ...]:
    """Tools come as "Read, Grep" or as a YAML list; odd names are kept as written."""
    if raw is None:
        return ()
    if isinstance(raw, str):
        items: list[object] = list(raw.split(","))
    elif isinstance(raw, list):
        items = list(raw)
    else:
        raise AgentFileError(
            source, f"'tools' must be a comma-separated string or a list, not {type(raw).__name__}"
        )
    return tuple(str(item).strip() for item in items if str(item).strip())


def load_agent(path: Path) -> AgentSpec:
    """Read and parse one agent file."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise AgentFileError(path, "file not found") from exc
    except OSError as exc:
        raise AgentFileError(path, f"cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgentFileError(path, "not UTF-8 text") from exc
    return parse_agent(text, str(path))


def load_agents(folder: Path) -> dict[str, AgentSpec]:
    """Load every ``*.md`` in a folder, keyed by agent name; duplicate names are an error."""
    if not folder.is_dir():
        raise AgentFileError(folder, "agents folder not found")
    agents: dict[str, AgentSpec] = {}
    for path in sorted(folder.glob("*.md")):
        agent = load_agent(path)
        if agent.name in agents:
            raise AgentFileError(
                path, f"agent name {agent.name!r} is also used by {agents[agent.name].source}"
            )
        agents[agent.name] = agent
    return agents

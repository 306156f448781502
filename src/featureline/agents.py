"""Load Claude Code subagent files (YAML front matter + a system-prompt body).

Accepts what Claude Code accepts: an unquoted ``description:`` that itself contains
``: `` (``Examples: <example>Context: ...``) is read as plain text instead of failing as
YAML; collections that nest agents in folders (``categories/*/``, ``plugins/*/agents/``)
are searched recursively; a duplicate ``name:`` or one broken file is reported without
aborting the other agents of the folder.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field

from featureline.errors import AgentFileError
from featureline.models import agent_model_warning
from featureline.safeyaml import SafeYAMLHandler, load_yaml


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
    warnings: tuple[str, ...] = ()
    """Things that loaded but deserve one line to the user (an unknown model alias...)."""


_KNOWN_KEYS = {"name", "description", "tools", "model", "color"}
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w-]*):(?:[ \t]+(.*))?$")
_YAML_INDICATORS = frozenset("[]{}'\"&*!|>%@`")
_FRONT_MATTER = re.compile(r"\A\ufeff?---[ \t]*\r?\n(.*?)^---[ \t]*\r?$\n?(.*)\Z", re.S | re.M)


def parse_agent(text: str, source: str = "<string>") -> AgentSpec:
    """Parse subagent text; raises AgentFileError naming ``source`` and the problem."""
    if not text.lstrip("\ufeff").lstrip().startswith("---"):
        raise AgentFileError(source, "no YAML front matter (the file must start with '---')")
    meta, body = _split(_unindent(text), source)
    if not meta:
        raise AgentFileError(source, "front matter is empty or not a mapping")
    name = meta.get("name")
    if not isinstance(name, str) or not name.strip():
        raise AgentFileError(source, "front matter has no 'name'")
    description = meta.get("description")
    if not isinstance(description, str) or not description.strip():
        raise AgentFileError(source, "front matter has no 'description'")
    if not body.strip():
        raise AgentFileError(source, "the body (the agent's system prompt) is empty")
    model = meta.get("model")
    color = meta.get("color")
    model_text = str(model).strip() if model is not None and str(model).strip() else None
    warning = agent_model_warning(model_text) if model_text else None
    return AgentSpec(
        name=name.strip(),
        description=description.strip(),
        tools=_parse_tools(meta.get("tools"), source),
        model=model_text,
        color=str(color) if color is not None else None,
        extra={k: v for k, v in meta.items() if k not in _KNOWN_KEYS},
        system_prompt=body.strip(),
        source=source,
        warnings=(f"{source}: {warning}",) if warning else (),
    )


def _unindent(text: str) -> str:
    """A whole file indented as one block (front matter and all) is read dedented."""
    stripped = text.lstrip("\ufeff").lstrip("\r\n")
    if stripped.startswith("---"):
        return stripped
    return textwrap.dedent(stripped).lstrip("\r\n")


def _split(text: str, source: str) -> tuple[dict[str, Any], str]:
    """(front matter mapping, body). Strict YAML first; on failure, the lenient reading
    Claude Code applies: a top-level ``key: value`` whose value is not valid YAML is taken
    as a plain string."""
    try:
        post = frontmatter.loads(text, handler=SafeYAMLHandler())
        meta: Any = post.metadata
        body = post.content
    except yaml.YAMLError as exc:
        match = _FRONT_MATTER.match(text)
        if match is None:
            raise AgentFileError(source, f"broken YAML front matter: {_first_line(exc)}") from exc
        lenient = _quote_plain_values(match.group(1))
        try:
            meta = load_yaml(lenient)
        except yaml.YAMLError:
            raise AgentFileError(source, f"broken YAML front matter: {_first_line(exc)}") from exc
        body = match.group(2)
    if not isinstance(meta, dict):
        return {}, body
    return {str(k): v for k, v in meta.items()}, body


def _quote_plain_values(front: str) -> str:
    """Quote every top-level plain value that does not parse as YAML on its own line (an
    unquoted ``: `` inside it); values that start like YAML structures are left as they are."""
    lines = front.splitlines()
    out: list[str] = []
    for index, line in enumerate(lines):
        match = _TOP_LEVEL_KEY.match(line)
        value = match.group(2) if match else None
        if match is None or not value or not value.strip():
            out.append(line)
            continue
        nested = index + 1 < len(lines) and lines[index + 1][:1] in (" ", "\t")
        structured = value.lstrip()[:1] in _YAML_INDICATORS  # meant as YAML: leave it broken
        if nested or structured or _parses(line):
            out.append(line)
        else:
            out.append(f"{match.group(1)}: {json.dumps(value.strip(), ensure_ascii=False)}")
    return "\n".join(out)


def _parses(line: str) -> bool:
    try:
        yaml.safe_load(line)
    except yaml.YAMLError:
        return False
    return True


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


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
    except IsADirectoryError as exc:
        raise AgentFileError(path, "is a folder, not an agent file") from exc
    except OSError as exc:
        raise AgentFileError(path, f"cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AgentFileError(path, "not UTF-8 text") from exc
    return parse_agent(text, str(path))


class AgentCollection(dict[str, AgentSpec]):
    """The agents of a folder by name, plus what could not be used (one line each).

    ``problems``: files that failed to load and names defined more than once (a
    duplicated name is left out, since either file could be meant); ``skipped``: Markdown
    files without front matter (READMEs), which are not agent files.
    """

    def __init__(self, agents: dict[str, AgentSpec] | None = None) -> None:
        super().__init__(agents or {})
        self.problems: list[str] = []
        self.skipped: list[Path] = []
        self.ambiguous: dict[str, tuple[str, ...]] = {}

    @property
    def warnings(self) -> list[str]:
        """Problems first, then each loaded agent's own warnings."""
        return [*self.problems, *(w for agent in self.values() for w in agent.warnings)]


def agent_files(folder: Path) -> list[Path]:
    """The Markdown files of a folder that can hold agents, searched recursively.

    When the tree has folders named ``agents`` (``plugins/*/agents/``, a repository with
    ``agents/`` beside ``docs/``), only files inside them count, as Claude Code reads
    plugins; otherwise every ``*.md`` does (``categories/*/``). Hidden folders are skipped.
    """
    files = [
        p
        for p in folder.rglob("*.md")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    ]
    inside = [p for p in files if "agents" in p.relative_to(folder).parts[:-1]]
    return sorted(inside if inside else files)


def load_agents(folder: Path) -> AgentCollection:
    """Load every agent file under ``folder`` (recursively), keyed by agent name.

    A broken file or a duplicated name is reported in ``problems`` and does not stop the
    others from loading; only a missing folder, or a folder where nothing loads while
    something failed, is an error.
    """
    if not folder.is_dir():
        raise AgentFileError(folder, "agents folder not found")
    found: dict[str, list[AgentSpec]] = {}
    collection = AgentCollection()
    for path in agent_files(folder):
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            text = "---"  # let load_agent give the precise reason
        if not text.lstrip("\ufeff").lstrip().startswith("---"):
            collection.skipped.append(path)
            continue
        try:
            agent = load_agent(path)
        except AgentFileError as exc:
            collection.problems.append(str(exc))
            continue
        found.setdefault(agent.name, []).append(agent)
    for name, agents in found.items():
        if len(agents) == 1:
            collection[name] = agents[0]
            continue
        sources = tuple(a.source for a in agents)
        collection.ambiguous[name] = sources
        collection.problems.append(
            f"agent name {name!r} is defined {len(agents)} times ({', '.join(sources)}); "
            "none of them is used — rename one, or pass the one you mean with --agent FILE"
        )
    if not collection and collection.problems:
        raise AgentFileError(folder, f"no agent loads: {collection.problems[0]}")
    return collection


def merge_agents(base: dict[str, AgentSpec], extra: Iterable[AgentSpec]) -> AgentCollection:
    """``base`` with ``extra`` agents added or replacing same-named ones (``--agent``,
    ``--reviewer`` files); their problems and skipped files are kept."""
    added = list(extra)
    merged = AgentCollection(dict(base))
    if isinstance(base, AgentCollection):
        settled = {f"agent name {a.name!r} " for a in added}
        merged.problems = [p for p in base.problems if not any(p.startswith(s) for s in settled)]
        merged.skipped = list(base.skipped)
        merged.ambiguous = dict(base.ambiguous)
    for agent in added:
        merged[agent.name] = agent
        merged.ambiguous.pop(agent.name, None)
    return merged


__all__ = [
    "AgentCollection",
    "AgentSpec",
    "agent_files",
    "load_agent",
    "load_agents",
    "merge_agents",
    "parse_agent",
]

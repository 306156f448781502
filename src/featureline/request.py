"""Feature requests: plain text or markdown, with optional YAML front matter hints."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field

from featureline.errors import InvalidRequestError

MAX_REQUEST_BYTES = 200_000


class FeatureRequest(BaseModel):
    """What the user asked for: a title, the body text, and any front-matter hints."""

    model_config = ConfigDict(frozen=True)

    title: str
    text: str
    hints: dict[str, Any] = Field(default_factory=dict)
    source: str = "<inline>"


def parse_request(raw: str, source: str = "<inline>") -> FeatureRequest:
    """Parse request text; the title comes from front matter, a heading, or the first words."""
    if "\x00" in raw:
        raise InvalidRequestError(f"request {source} looks binary (contains NUL bytes)")
    try:
        post = frontmatter.loads(raw)
    except yaml.YAMLError as exc:
        raise InvalidRequestError(f"request {source}: broken YAML front matter") from exc
    hints = dict(post.metadata)
    body = post.content.strip()
    if not body:
        raise InvalidRequestError(
            f"request {source} is empty: describe the feature in a sentence or more"
        )
    title = str(hints.pop("title", "") or "").strip() or _title_from_body(body)
    return FeatureRequest(title=title, text=body, hints=hints, source=source)


def _title_from_body(body: str) -> str:
    first = body.splitlines()[0].strip()
    heading = re.match(r"#+\s*(.+)", first)
    if heading:
        return heading.group(1).strip()
    clause = re.split(r"[,.;:!?]| with | and | so that | because ", first, maxsplit=1)[0]
    words = re.sub(r"[^\w\s'-]", " ", clause).split()
    return " ".join(words[:6]) or "Feature request"


def read_request(arg: str) -> FeatureRequest:
    """Treat ``arg`` as a file path when it names one (or looks like one), else as inline text."""
    path = Path(arg)
    looks_like_path = arg.endswith((".md", ".txt", ".markdown")) and "\n" not in arg
    if looks_like_path or (len(arg) < 4096 and "\n" not in arg and path.is_file()):
        return _read_request_file(path)
    return parse_request(arg)


def _read_request_file(path: Path) -> FeatureRequest:
    if not path.exists():
        raise InvalidRequestError(f"request file {path} not found")
    if not path.is_file():
        raise InvalidRequestError(f"request {path} is not a file")
    raw = path.read_bytes()
    if len(raw) > MAX_REQUEST_BYTES:
        raise InvalidRequestError(
            f"request file {path} is {len(raw)} bytes; the limit is {MAX_REQUEST_BYTES}"
        )
    if b"\x00" in raw:
        raise InvalidRequestError(f"request file {path} looks binary (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(f"request file {path} is not UTF-8 text") from exc
    return parse_request(text, str(path))


def slugify(text: str, max_words: int = 3) -> str:
    """A short lowercase slug for run ids: "Personal bookmarks" -> "personal-bookmarks"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "run"

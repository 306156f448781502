"""Feature requests: plain text or markdown, with optional YAML front matter hints.

One size limit (``MAX_REQUEST_BYTES``) applies however a request arrives: a file, standard
input (``-``), inline text on the command line, or a string or ``FeatureRequest`` through
the Python API. Front matter is parsed with alias and size limits (featureline.safeyaml).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import IO, Any

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field

from featureline.errors import InvalidRequestError
from featureline.safeyaml import SafeYAMLHandler, YamlLimitError

MAX_REQUEST_BYTES = 200_000


class FeatureRequest(BaseModel):
    """What the user asked for: a title, the body text, and any front-matter hints."""

    model_config = ConfigDict(frozen=True)

    title: str
    text: str
    hints: dict[str, Any] = Field(default_factory=dict)
    source: str = "<inline>"


def check_size(size: int, source: str) -> None:
    if size > MAX_REQUEST_BYTES:
        raise InvalidRequestError(
            f"request {source} is {size} bytes; the limit is {MAX_REQUEST_BYTES}"
        )


def check_request(request: FeatureRequest) -> FeatureRequest:
    """The size limit for a FeatureRequest built by a caller (Python API) rather than parsed."""
    size = len(request.text.encode("utf-8")) + len(request.title.encode("utf-8"))
    size += len(json.dumps(request.hints, default=str))
    check_size(size, request.source)
    return request


def parse_request(raw: str, source: str = "<inline>") -> FeatureRequest:
    """Parse request text; the title comes from front matter, a heading, or the first words."""
    check_size(len(raw.encode("utf-8", errors="replace")), source)
    if "\x00" in raw:
        raise InvalidRequestError(f"request {source} looks binary (contains NUL bytes)")
    try:
        post = frontmatter.loads(raw, handler=SafeYAMLHandler())
    except YamlLimitError as exc:
        raise InvalidRequestError(f"request {source}: front matter refused: {exc}") from exc
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


def read_request(arg: str, stdin: IO[bytes] | None = None) -> FeatureRequest:
    """``-`` reads standard input; an argument without whitespace is a file path (which
    must name a regular file); anything else is the request text itself."""
    if arg == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        return _decode(stream.read(MAX_REQUEST_BYTES + 1), "<stdin>")
    if "\n" not in arg and len(arg) < 4096:
        path = Path(arg)
        if path.exists() or path.is_symlink():
            return _read_request_file(path)
        if not any(c.isspace() for c in arg):
            raise InvalidRequestError(
                f"request file {arg} not found (to give the request as text, write it as a "
                "sentence in quotes; `-` reads standard input)"
            )
    return parse_request(arg)


def _read_request_file(path: Path) -> FeatureRequest:
    if not path.exists():
        raise InvalidRequestError(f"request file {path} not found")
    if path.is_dir():
        raise InvalidRequestError(f"request {path} is a directory, not a file")
    if not path.is_file():
        raise InvalidRequestError(f"request {path} is not a regular file")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_REQUEST_BYTES + 1)
    except OSError as exc:
        raise InvalidRequestError(f"request file {path} cannot be read: {exc.strerror}") from exc
    return _decode(raw, str(path))


def _decode(raw: bytes, source: str) -> FeatureRequest:
    check_size(len(raw), source)
    if b"\x00" in raw:
        raise InvalidRequestError(f"request {source} looks binary (contains NUL bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequestError(f"request {source} is not UTF-8 text") from exc
    return parse_request(text, source)


def slugify(text: str, max_words: int = 3) -> str:
    """A short lowercase slug for run ids: "Personal bookmarks" -> "personal-bookmarks"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:max_words]) or "run"

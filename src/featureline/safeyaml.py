"""YAML from users, parsed with limits: bounded size, bounded alias expansion.

PyYAML's safe loader shares one object per anchor, so a "billion laughs" document loads
small — and then explodes the moment anything walks it (JSON for the run index, a
prompt, a copy). We compose the node graph first, count the nodes it expands to (with
each anchor's size computed once, so counting is cheap) and refuse a document over the
limits before a single object is built. Every loader of user YAML goes through here:
request front matter, agent files, pipeline files, edited artifacts.
"""

from __future__ import annotations

from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

MAX_YAML_BYTES = 1_000_000
MAX_YAML_NODES = 100_000
MAX_ALIASES = 1_000


class YamlLimitError(yaml.YAMLError):
    """A YAML document over the size, node or alias limits (or with a recursive alias)."""


def load_yaml(text: str, *, max_bytes: int = MAX_YAML_BYTES) -> Any:
    """``yaml.safe_load`` with limits; YamlLimitError (a ``yaml.YAMLError``) says which."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > max_bytes:
        raise YamlLimitError(f"YAML is {size} bytes; the limit is {max_bytes}")
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def check_expansion(root: yaml.Node) -> int:
    """The number of nodes ``root`` expands to with aliases resolved; YamlLimitError over
    the limits or for a recursive alias. Iterative: deep nesting cannot overflow the stack."""
    sizes: dict[int, int] = {}
    reused = 0
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(node))
            if total > MAX_YAML_NODES:
                raise YamlLimitError(
                    f"YAML expands to more than {MAX_YAML_NODES} nodes (alias expansion)"
                )
            sizes[key] = total
            continue
        if key in sizes:
            reused += 1
            if reused > MAX_ALIASES:
                raise YamlLimitError(f"YAML uses more than {MAX_ALIASES} aliases")
            continue
        if key in on_path:
            raise YamlLimitError("YAML has a recursive alias (a node that contains itself)")
        on_path.add(key)
        stack.append((node, True))
        for child in _children(node):
            if id(child) in on_path:
                raise YamlLimitError("YAML has a recursive alias (a node that contains itself)")
            stack.append((child, False))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


class SafeYAMLHandler(YAMLHandler):
    """python-frontmatter's YAML handler, loading through ``load_yaml``."""

    def load(self, fm: str, **kwargs: object) -> Any:
        return load_yaml(fm)

"""The pipeline for LangGraph Server (``langgraph dev`` / ``langgraph up``): a graph factory.

``langgraph.json`` at the repository root names :func:`make_graph`. The server brings its
own checkpointer (in memory for ``langgraph dev``, PostgreSQL in production), so the graph
is compiled without one. What the graph is built from comes from the environment, read
when the server loads the graph:

- ``FEATURELINE_GRAPH``: a pipeline YAML or shipped name (default ``backend-feature``)
- ``FEATURELINE_AGENTS``: a folder of agent files (default: the shipped agents)
- ``FEATURELINE_PROVIDER``: ``builtin`` or ``anthropic`` (default: by ``ANTHROPIC_API_KEY``)
- ``FEATURELINE_GATES``: override every gate (``human`` makes every step wait for a person)
- ``FEATURELINE_MODEL``: the model for Claude

A run's input is its initial state: :func:`initial_input` builds it from a request text.
A gate waits as a LangGraph interrupt; resume it with ``Command(resume={<interrupt id>:
{"verdict": "approve", "reviewer": "..."}})``, as ``featureline review`` does. Generated
code is not executed here (no sandbox in the server process): the findings say so.
"""

from __future__ import annotations

import os
import secrets
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from langgraph.graph.state import CompiledStateGraph

from featureline.agents import load_agents
from featureline.errors import UserInputError
from featureline.graph import build_graph, initial_state
from featureline.graph.context import RunContext, use_default_context
from featureline.paths import default_agents_dir, resolve_pipeline_path
from featureline.pipeline import GatePolicy, PipelineSpec, load_pipeline
from featureline.providers import make_specialist
from featureline.providers.builtin_critic import BuiltinCritic
from featureline.request import parse_request, slugify
from featureline.review import Critic

GRAPH_ENV = "FEATURELINE_GRAPH"
AGENTS_ENV = "FEATURELINE_AGENTS"
PROVIDER_ENV = "FEATURELINE_PROVIDER"
GATES_ENV = "FEATURELINE_GATES"


def server_pipeline() -> PipelineSpec:
    return load_pipeline(resolve_pipeline_path(os.environ.get(GRAPH_ENV) or None))


def _gates() -> GatePolicy | None:
    value = os.environ.get(GATES_ENV) or None
    if value is not None and value not in get_args(GatePolicy):
        raise UserInputError(
            f"{GATES_ENV}={value!r} is not a gate policy ({', '.join(get_args(GatePolicy))})"
        )
    return value  # type: ignore[return-value]


def make_graph(config: Any = None) -> CompiledStateGraph[Any, Any, Any, Any]:
    """The compiled pipeline graph, without a checkpointer (the server provides it)."""
    spec = server_pipeline()
    agents_dir = os.environ.get(AGENTS_ENV)
    agents = load_agents(Path(agents_dir) if agents_dir else default_agents_dir())
    specialist = make_specialist(os.environ.get(PROVIDER_ENV) or None)
    critic = specialist if isinstance(specialist, Critic) else BuiltinCritic()
    use_default_context(
        RunContext(
            agents=agents,
            specialist=specialist,
            critic=critic,
            model=os.environ.get("FEATURELINE_MODEL") or None,
        )
    )
    return build_graph(spec, _gates(), declare_context=False).compile(name=spec.name)


def initial_input(
    request: str, run_id: str | None = None, max_cost: Decimal | None = None
) -> dict[str, Any]:
    """The input that starts a run of the server's pipeline on ``request`` (the text of a
    feature request, as in a request file), as JSON for the LangGraph Server API."""
    feature = parse_request(request)
    rid = run_id or f"{slugify(feature.title, max_words=2)}-{secrets.token_hex(2)}"
    return dict(initial_state(rid, feature, server_pipeline(), max_cost))


__all__ = ["initial_input", "make_graph", "server_pipeline"]

"""The pipeline as a LangGraph graph: one module per node kind (dispatch, step, check,
review, gate), the builder that compiles a pipeline once, and the reopen transition."""

from featureline.graph.builder import (
    CompiledGraph,
    build_graph,
    compiled_graph,
    continue_command,
    has_review,
    initial_state,
    required_agents,
    restart_command,
    step_reviewers,
)
from featureline.graph.context import RunContext, approved_artifacts, budget_of
from featureline.graph.names import (
    CRITIC_PREFIX,
    DISPATCH,
    STOPPED,
    check_node_name,
    gate_node_name,
    review_node_name,
)
from featureline.graph.reopen import Rejection, TaskWrites, downstream_of, reopen_input

__all__ = [
    "CRITIC_PREFIX",
    "DISPATCH",
    "STOPPED",
    "CompiledGraph",
    "Rejection",
    "RunContext",
    "TaskWrites",
    "approved_artifacts",
    "budget_of",
    "build_graph",
    "check_node_name",
    "compiled_graph",
    "continue_command",
    "downstream_of",
    "gate_node_name",
    "has_review",
    "initial_state",
    "reopen_input",
    "required_agents",
    "restart_command",
    "review_node_name",
    "step_reviewers",
]

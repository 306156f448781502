"""``fidelity.operations``: at the API spec gate, a planned requirement is served by an
operation that does what its verb says.

"Filter tasks by status" served by a plain ``GET /tasks`` with only paging is a list, not a
filter; "Average rating per book" served by the ratings list computes nothing. The verb's
operation class (``checks.actions``) decides what the serving operations must offer: a
query parameter (or path parameter) per qualifier for a filter, a search or sort
parameter, an aggregate resource, a state-changing call for a transition.
"""

from __future__ import annotations

import re
from typing import Any

from featureline.artifacts import ApiSpecArtifact, RequirementsArtifact
from featureline.artifacts.api_spec import Endpoint
from featureline.checks.actions import Action, read_action
from featureline.checks.base import CheckContext, Finding, check, finding, not_compared
from featureline.checks.wording import content, stem

PAGING = {"limit", "offset", "page", "page_size", "per_page", "cursor"}
SORT_PARAMS = {"sort", "order", "order_by", "sort_by", "orderby", "sortby", "ordering"}
SEARCH_PARAMS = {"q", "query", "search", "text", "term", "keyword", "keywords"}
#: words in a path, operation id or summary that say an operation computes over records
AGGREGATE = re.compile(
    r"(?:stat|statistics|summary|summaries|count|total|average|avg|sum|report|aggregate|"
    r"breakdown|balance|mean|histogram|tally|metrics)",
)
#: transitions that end a record's life: a DELETE may serve them
ENDING = frozenset({"cancel", "withdraw", "revoke", "unsubscribe", "close"})
#: a time qualifier ('per day') is served by a date parameter of any of these names
TIME_WORDS = {"day", "date", "week", "month", "year", "time", "period", "today"}
TIME_PARAMS = {"date", "day", "from", "to", "since", "until", "after", "before", "start", "end"}


def _operation(api: ApiSpecArtifact, endpoint: Endpoint) -> dict[str, Any]:
    item = (api.openapi.get("paths") or {}).get(endpoint.path) or {}
    op = item.get(endpoint.method.lower()) if isinstance(item, dict) else None
    return op if isinstance(op, dict) else {}


def _params(api: ApiSpecArtifact, endpoint: Endpoint) -> set[str]:
    """Query and path parameter names (lowercase) of one operation."""
    item = (api.openapi.get("paths") or {}).get(endpoint.path) or {}
    declared = list(item.get("parameters") or []) if isinstance(item, dict) else []
    declared += list(_operation(api, endpoint).get("parameters") or [])
    names = {
        str(p.get("name", "")).lower()
        for p in declared
        if isinstance(p, dict) and p.get("in") in {"query", "path"}
    }
    return names | {n.lower() for n in re.findall(r"\{([^}]+)\}", endpoint.path)}


def _filters_on(qualifier: str, params: set[str]) -> bool:
    """Whether a parameter filters on ``qualifier`` ('room' by room_id, 'day' by date)."""
    wanted = set(content(qualifier))
    for param in params - PAGING - SORT_PARAMS:
        words = set(content(param)) | {param}
        if wanted & words or {stem(w) for w in wanted} & {stem(w) for w in words}:
            return True
        if wanted & TIME_WORDS and words & (TIME_WORDS | TIME_PARAMS):
            return True
    return False


def _aggregates(api: ApiSpecArtifact, endpoint: Endpoint) -> bool:
    op = _operation(api, endpoint)
    said = " ".join([endpoint.path, str(op.get("operationId", "")), endpoint.operation_id])
    return bool(AGGREGATE.search(said.lower()))


def _serves(api: ApiSpecArtifact, action: Action, e: Endpoint) -> bool:
    verb, params = action.operation, _params(api, e)
    item_path = e.path.rstrip("/").endswith("}")
    wants = action.qualifiers
    if verb == "create":
        return e.method == "POST"
    if verb == "list" and not wants:
        return e.method == "GET"
    if verb in {"list", "filter"}:
        query = params - PAGING - SORT_PARAMS
        return e.method == "GET" and (
            all(_filters_on(q, params) for q in wants) if wants else bool(query)
        )
    if verb == "get":
        return e.method == "GET"
    if verb == "search":  # a free-text parameter, or one on each field searched by
        by_field = bool(wants) and all(_filters_on(q, params) for q in wants)
        return e.method == "GET" and (bool(params & SEARCH_PARAMS) or by_field)
    if verb == "sort":
        return e.method == "GET" and bool(params & SORT_PARAMS)
    if verb == "aggregate":
        return e.method == "GET" and _aggregates(api, e)
    if verb == "update":
        return e.method in {"PATCH", "PUT"}
    if verb == "delete":
        return e.method == "DELETE"
    if verb == "transition":
        ending = action.verb in ENDING and e.method == "DELETE"  # 'cancel my booking'
        return ending or e.method in {"PATCH", "PUT"} or (e.method == "POST" and not item_path)
    return True


def _needs(action: Action) -> str:
    if action.qualifiers and action.operation in {"list", "filter"}:
        return f"filter by {', '.join(q.replace('_', ' ') for q in action.qualifiers)}"
    return action.operation


@check("api_spec", "fidelity.operations")
def planned_verbs_served(artifact: ApiSpecArtifact, context: CheckContext) -> list[Finding]:
    req = context.find(RequirementsArtifact)
    if req is None:
        return not_compared(
            "fidelity.operations", "endpoints", "requirements", "the operations' verbs"
        )
    out = []
    for fr in req.functional:
        action = read_action(fr.title) if fr.status == "planned" else None
        if action is None:
            continue
        serving = [e for e in artifact.endpoints if fr.id in e.requirement_ids]
        title = " ".join(fr.title.split())[:60]
        if not serving:
            message = f"planned \u201c{title}\u201d is served by no operation"
        elif not any(_serves(artifact, action, e) for e in serving):
            ops = ", ".join(f"{e.method} {e.path}" for e in serving)
            message = (
                f"planned \u201c{title}\u201d needs an operation that can {_needs(action)}, "
                f"but is served only by {ops}"
            )
        else:
            continue
        out.append(finding("fidelity.operations", fr.id, message))
    return out

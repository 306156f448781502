"""Step 2: requirements -> components, data flows, a Mermaid flowchart and ADRs."""

from __future__ import annotations

from featureline.artifacts.design import (
    Component,
    DataFlow,
    Decision,
    DesignArtifact,
    SecurityMeasure,
)
from featureline.artifacts.requirements import RequirementsArtifact
from featureline.providers.builtin.rules import all_roles


def build_design(req: RequirementsArtifact, feedback: tuple[str, ...] = ()) -> DesignArtifact:
    planned = [f.id for f in req.functional if f.status == "planned"]
    deferred = [f.id for f in req.functional if f.status == "deferred"]
    perf = [n for n in req.non_functional if n.category in {"performance", "scalability"}]
    api_key = any(a.name == "api_client" for a in req.actors)
    tight = any(n.unit == "ms" and n.target < 50 for n in perf)
    comps = [
        Component(
            name="client",
            kind="client",
            technology="any HTTP client holding a bearer token",
            responsibilities=["calls the JSON API over HTTPS"],
            serves=[],
        ),
        Component(
            name="api",
            kind="api",
            technology="FastAPI (Python 3.11+), uvicorn",
            responsibilities=[
                "HTTP routing under /v1",
                "authentication",
                "validation (pydantic)",
                "problem+json errors",
                "rate limiting",
            ],
            serves=planned,
        ),
        Component(
            name="service",
            kind="service",
            technology="Python modules per resource",
            responsibilities=["business rules", "ownership checks", "parameterised SQL"]
            + (
                [
                    f"owns the deferred rules {', '.join(deferred)} "
                    "(not implemented by the builtin specialist)"
                ]
                if deferred
                else []
            ),
            serves=planned + deferred,
        ),
        Component(
            name="database",
            kind="database",
            technology="PostgreSQL 16 (SQLite for development and tests)",
            responsibilities=[
                f"store {', '.join(e.name for e in req.entities)}",
                "enforce foreign keys and CHECK constraints",
            ],
            serves=planned,
        ),
    ]
    flows = [
        DataFlow(source="client", target="api", description="JSON over HTTPS", protocol="HTTPS"),
        DataFlow(
            source="api",
            target="service",
            description="validated request + current user",
            protocol="in-process",
        ),
        DataFlow(
            source="service", target="database", description="parameterised SQL", protocol="SQL"
        ),
    ]
    if tight:
        comps.append(
            Component(
                name="cache",
                kind="cache",
                technology="Redis",
                responsibilities=["hot-path lookups stated in the latency NFRs"],
                serves=[],
            )
        )
        flows.append(
            DataFlow(
                source="service",
                target="cache",
                description="read-through lookups",
                protocol="RESP",
            )
        )
    lines = ["flowchart LR", "    client([client])"]
    lines += [f"    {f.source} -->|{f.protocol}| {f.target}" for f in flows]
    decisions = [
        Decision(
            id="ADR-1",
            title="FastAPI with pydantic models",
            context="The service is a JSON API whose contract is an OpenAPI 3.1 document.",
            decision="Use FastAPI; request and response models "
            "are pydantic with extra fields forbidden.",
            consequences="Validation and docs come from one source; Python 3.11+ required.",
        ),
        Decision(
            id="ADR-2",
            title="PostgreSQL in production, SQLite for development",
            context="Relational data with foreign keys and "
            "CHECK constraints; tests must run anywhere.",
            decision="Ship DDL for both dialects; money is "
            "NUMERIC(12,2) / decimal text, never float.",
            consequences="Two DDL variants to keep in step (generated together).",
        ),
        Decision(
            id="ADR-3",
            title="API versioning by URL prefix",
            context="Clients need stable endpoints.",
            decision="All endpoints live under /v1.",
            consequences="Breaking changes need /v2 side by side.",
        ),
        Decision(
            id="ADR-4",
            title="Authentication with " + ("API keys" if api_key else "bearer tokens"),
            context="Every endpoint acts on behalf of a user.",
            decision="The credential's sha256 is looked up in "
            "users.token_hash; tokens are issued outside the service.",
            consequences="No password handling here; token rotation is an operational task.",
        ),
        Decision(
            id="ADR-5",
            title="Offset pagination with newest-first default",
            context="Lists can grow large.",
            decision="limit (max 100) and offset; sort is whitelisted.",
            consequences="Deep offsets get slower; switch to keyset pagination if needed.",
        ),
    ]
    decisions += [
        Decision(
            id=f"ADR-{len(decisions) + 1 + i}",
            title="Feedback recorded",
            status="proposed",
            context=c,
            decision="Recorded by the builtin generator; it cannot re-reason about it.",
            consequences="A human or the Claude provider should address it.",
        )
        for i, c in enumerate(feedback)
    ]
    owned = [f.id for f in req.functional if f.title.startswith("Restrict ")]
    owned += [fid for r in req.rules if r.kind == "shared" for fid in r.requirement_ids]
    role_frs = [fid for r in req.rules if r.kind == "role_required" for fid in r.requirement_ids]
    roles = all_roles(req)
    security = [
        SecurityMeasure(
            name="authentication",
            description="every endpoint except /v1/health needs a valid credential (401 otherwise)",
            addresses=planned[:1],
        ),
        SecurityMeasure(
            name="ownership",
            description="every row is owned by the user who created it and every query is "
            "filtered by owner_id (other users get 404; a reference to another user's row "
            "is refused with 409); rows a shared rule names are readable by all and changed "
            "only by their owner (403)",
            addresses=owned,
        ),
        SecurityMeasure(
            name="roles",
            description=f"new users get the least privileged role {roles[0]!r}; operations a "
            "role rule reserves answer 403 to other roles"
            + (f" (roles: {', '.join(roles)})" if len(roles) > 1 else ""),
            addresses=role_frs,
        ),
        SecurityMeasure(
            name="SQL injection",
            description="parameterised SQL only; sort keys and filters come from whitelists",
        ),
        SecurityMeasure(
            name="untrusted text",
            description="JSON-only responses with nosniff and CSP default-src 'none'",
        ),
        SecurityMeasure(
            name="rate limiting", description="per-caller fixed window; 429 with problem+json"
        ),
    ]
    return DesignArtifact(
        overview=f"{req.title}: a single FastAPI service over a relational database serving "
        f"{len(req.entities)} resources ({', '.join(e.name for e in req.entities)}). "
        "Designed by featureline's deterministic builtin generator, not a language model.",
        components=comps,
        data_flows=flows,
        mermaid="\n".join(lines),
        decisions=decisions,
        security=security,
        caching=[
            "ETag revalidation on single-item reads",
            "short-lived in-process cache of credential lookups",
        ]
        + (["Redis read-through cache for the latency-critical path"] if tight else []),
        scaling=[
            "stateless API: scale horizontally behind a load balancer",
            "PostgreSQL connection pooling (pgbouncer) and read replicas for list traffic",
            *[f"{n.id}: {n.description}" for n in perf],
        ],
    )

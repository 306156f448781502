"""Rows that belong to a private record are private too, and the requirements say so.

"An invoice has line items" with invoices owned by their freelancer: only an invoice's
owner can add lines to it (a referenced row must be visible to the caller), and the
generated service keeps every row private to its creator, so the lines are exactly as
private as the invoice. Marking them owned makes the requirements say it, so the
restriction is a traced requirement with its tests, and a provider reading these
requirements (or a reviewer) does not take the lines for public rows.
"""

from __future__ import annotations

from featureline.providers.builtin.understanding.model import Domain


def own_children_of_owned_records(domain: Domain) -> None:
    """Every record that belongs to an owned, unshared record is owned too (down the whole
    chain: an invoice's lines' notes as well)."""
    shared = {r.entity for r in domain.rules if r.kind == "shared"}
    links = [
        (rel.source, rel.target) if rel.kind == "many_to_one" else (rel.target, rel.source)
        for rel in domain.relations
        if rel.kind in ("many_to_one", "one_to_many")
    ]
    changed = True
    while changed:
        changed = False
        for child_name, parent_name in links:
            child = domain.entities.get(child_name)
            parent = domain.entities.get(parent_name)
            if child is None or parent is None or child is parent:
                continue
            if parent.owned_by is None or parent_name in shared or child_name in shared:
                continue
            if child.owned_by is None:
                child.owned_by = "user"
                child.ownership_source = parent.ownership_source or parent.source
                child.ownership_inferred = True
                changed = True

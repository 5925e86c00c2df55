"""Pickup sites: a need may only take stock lying at the site where its household collects.

The format (kindred-allocation/1) knows item types and sizes, not sites. Rather than widen
it, `at_sites()` qualifies every item type with a site ("12" at site "3" becomes "12@3") on
both sides, so a need can only meet stock of its own site and the solver, the baseline,
the objective and the JSON format stay exactly as they are. A need whose site is None
gets an item type no stock row has: it stays unmet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from .model import Instance

SEPARATOR = "@"
NO_SITE = "-"


def qualified(item_type: str, site: str | None) -> str:
    """The item type as seen at one site."""
    return f"{item_type}{SEPARATOR}{NO_SITE if site is None else site}"


def at_sites(
    instance: Instance,
    *,
    need_sites: Mapping[str, str | None],
    stock_sites: Mapping[str, str],
) -> Instance:
    """The same instance in which need `n` can only be given stock rows `s` with
    `stock_sites[s.sku] == need_sites[n.id]`. Ids, quantities and the policy are unchanged,
    so a result of the returned instance is a feasible result of `instance` as well."""
    return Instance(
        policy=instance.policy,
        stock=tuple(
            replace(row, item_type=qualified(row.item_type, stock_sites[row.sku]))
            for row in instance.stock
        ),
        needs=tuple(
            replace(need, item_type=qualified(need.item_type, need_sites.get(need.id)))
            for need in instance.needs
        ),
    )


__all__ = ["at_sites", "qualified"]

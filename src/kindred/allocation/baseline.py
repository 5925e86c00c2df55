"""First come, first served: what coordinators do by hand today, and the baseline the optimal
allocation is measured against. Need lines are served longest-waiting first (the order they
came in), each taking the exact size first, then its substitutes in the order listed (any
size: stock rows in file order), as much as is left."""

from __future__ import annotations

from collections import defaultdict

from .model import Allocation, Instance, Result
from .objective import objective


def first_come_first_served(instance: Instance) -> Result:
    left = {s.sku: s.quantity for s in instance.stock}
    by_type: dict[str, list[str]] = defaultdict(list)
    by_size: dict[tuple[str, str | None], list[str]] = defaultdict(list)
    for row in instance.stock:
        by_type[row.item_type].append(row.sku)
        by_size[(row.item_type, row.size)].append(row.sku)
    order = sorted(range(len(instance.needs)), key=lambda j: -instance.needs[j].waiting_days)
    allocations = []
    for j in order:
        need = instance.needs[j]
        wanted = need.quantity
        if need.sizes:
            skus = [sku for size in need.sizes for sku in by_size.get((need.item_type, size), ())]
        else:
            skus = by_type.get(need.item_type, [])
        for sku in skus:
            if wanted == 0:
                break
            take = min(wanted, left[sku])
            if take:
                left[sku] -= take
                wanted -= take
                allocations.append(Allocation(need=need.id, sku=sku, quantity=take))
    return Result(allocations=tuple(allocations), objective=objective(instance, allocations))

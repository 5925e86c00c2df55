"""The fair-allocation engine (`../shared/formats/allocation.md`, "kindred-allocation/1").

Plain Python with no Django import (ARCHITECTURE.md rule 6): an `Instance` of stock rows and
need lines goes in, a `Result` of allocations and its objective comes out. `solve()` finds the
optimum as a min-cost flow with OR-Tools; `first_come_first_served()` is the baseline it is
measured against; `objective()` and `check_feasible()` judge any answer. The `kindred allocate`
command (`cli.py`) reads and writes the JSON format. The aid app adapts its requests and stock
to an Instance (`sites.at_sites()` keeps each need to stock at its household's pickup
site); nothing here knows about the database.
"""

from .baseline import first_come_first_served
from .instance import FORMAT, RESULT_FORMAT, InstanceError, parse_instance, result_json
from .model import Allocation, Instance, Need, Policy, Result, StockRow
from .objective import check_feasible, objective, unit_value
from .sites import at_sites
from .solver import solve

__all__ = [
    "FORMAT",
    "RESULT_FORMAT",
    "Allocation",
    "Instance",
    "InstanceError",
    "Need",
    "Policy",
    "Result",
    "StockRow",
    "at_sites",
    "check_feasible",
    "first_come_first_served",
    "objective",
    "parse_instance",
    "result_json",
    "solve",
    "unit_value",
]

"""The engine's plain data: what goes in and what comes out."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Policy:
    """How a unit is valued (see the format page): urgency weight * 1 for the exact size or
    `substitute_value` for another acceptable one * (1 + waiting bonus), plus
    `fairness_weight` * H(units) per household."""

    urgency_weights: dict[str, float] = field(
        default_factory=lambda: {"1": 1.0, "2": 2.0, "3": 4.0}
    )
    substitute_value: float = 0.8
    waiting_bonus_per_30_days: float = 0.1
    fairness_weight: float = 1.0


@dataclass(frozen=True)
class StockRow:
    sku: str
    item_type: str
    size: str | None
    quantity: int


@dataclass(frozen=True)
class Need:
    id: str
    household: str
    item_type: str
    sizes: tuple[str, ...]  # the exact size first, then acceptable substitutes; () = any
    quantity: int
    urgency: str
    waiting_days: float = 0


@dataclass(frozen=True)
class Instance:
    policy: Policy
    stock: tuple[StockRow, ...]
    needs: tuple[Need, ...]


@dataclass(frozen=True)
class Allocation:
    need: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class Result:
    allocations: tuple[Allocation, ...]
    objective: float

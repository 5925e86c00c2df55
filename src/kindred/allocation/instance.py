"""Reading and writing the kindred-allocation/1 format, with a clear message for every way an
instance can be wrong.

Messages are English templates marked with `gettext_noop` (so `make messages` extracts them
into the six catalogues); `InstanceError.translated(gettext)` formats one in the reader's
language. The JSON path in a message ("needs[3].urgency") names the field as the file does.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from .model import Allocation, Instance, Need, Policy, Result, StockRow

FORMAT = "kindred-allocation/1"
RESULT_FORMAT = "kindred-allocation-result/1"
MAX_QUANTITY = 10**12  # whole units; far beyond any charity, well inside int64 arithmetic
MAX_NUMBER = 1e9  # weights, bonuses and waiting days


def gettext_noop(message: str) -> str:
    return message


NOT_JSON = gettext_noop(
    "The instance is not valid JSON: the error is at line %(line)s, column %(column)s."
)
NOT_AN_OBJECT = gettext_noop("The instance must be one JSON object.")
WRONG_FORMAT = gettext_noop('This is not a %(format)s instance (its "format" is %(found)s).')
MISSING = gettext_noop("%(path)s is missing.")
NOT_A_LIST = gettext_noop("%(path)s must be a list.")
NOT_AN_ENTRY = gettext_noop("%(path)s must be an object.")
NOT_TEXT = gettext_noop("%(path)s must be a text that is not empty.")
NOT_A_SIZE = gettext_noop("%(path)s must be a size (a text) or null.")
NOT_A_QUANTITY = gettext_noop("%(path)s must be a whole number of zero or more, not %(found)s.")
NOT_A_NUMBER = gettext_noop("%(path)s must be a number of zero or more, not %(found)s.")
TOO_LARGE = gettext_noop("%(path)s is too large: at most %(max)s.")
DUPLICATE_ID = gettext_noop("%(path)s: %(id)s is used twice (first at %(first)s).")
UNKNOWN_URGENCY = gettext_noop("%(path)s: unknown urgency %(found)s (the policy has %(known)s).")
NO_URGENCIES = gettext_noop("%(path)s must give a weight for at least one urgency.")


class InstanceError(ValueError):
    """An instance that cannot be solved as written; `message % params` says why."""

    def __init__(self, message: str, **params: Any):
        self.message = message
        self.params = params
        super().__init__(message % params)

    def translated(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message) % self.params


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def _entry(value: Any, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InstanceError(NOT_AN_ENTRY, path=path)
    return value


def _list(parent: dict[str, Any], key: str, path: str) -> list[Any]:
    if key not in parent:
        raise InstanceError(MISSING, path=path)
    value = parent[key]
    if not isinstance(value, list):
        raise InstanceError(NOT_A_LIST, path=path)
    return value


def _text(parent: dict[str, Any], key: str, path: str) -> str:
    if key not in parent:
        raise InstanceError(MISSING, path=path)
    value = parent[key]
    if not isinstance(value, str) or not value:
        raise InstanceError(NOT_TEXT, path=path)
    return value


def _quantity(parent: dict[str, Any], key: str, path: str) -> int:
    if key not in parent:
        raise InstanceError(MISSING, path=path)
    value = parent[key]
    # JSON has one number type: 3.0 is accepted as 3, 2.5 and true are not quantities.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(NOT_A_QUANTITY, path=path, found=_show(value))
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise InstanceError(NOT_A_QUANTITY, path=path, found=_show(value))
        value = int(value)
    if value < 0:
        raise InstanceError(NOT_A_QUANTITY, path=path, found=_show(value))
    if value > MAX_QUANTITY:
        raise InstanceError(TOO_LARGE, path=path, max=MAX_QUANTITY)
    return value


def _number(parent: dict[str, Any], key: str, path: str, default: float | None = None) -> float:
    if key not in parent:
        if default is None:
            raise InstanceError(MISSING, path=path)
        return default
    value = parent[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(NOT_A_NUMBER, path=path, found=_show(value))
    if not math.isfinite(value) or value < 0:
        raise InstanceError(NOT_A_NUMBER, path=path, found=_show(value))
    if value > MAX_NUMBER:
        raise InstanceError(TOO_LARGE, path=path, max=f"{MAX_NUMBER:g}")
    return float(value)


def _urgency_key(value: Any) -> str | None:
    """An urgency as the policy's keys spell it: "3", or the number 3."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def _policy(data: dict[str, Any]) -> Policy:
    if "policy" not in data:
        return Policy()
    raw = _entry(data["policy"], "policy")
    defaults = Policy()
    weights = defaults.urgency_weights
    if "urgency_weights" in raw:
        given = _entry(raw["urgency_weights"], "policy.urgency_weights")
        if not given:
            raise InstanceError(NO_URGENCIES, path="policy.urgency_weights")
        weights = {
            key: _number(given, key, f"policy.urgency_weights.{key}") for key in sorted(given)
        }
    return Policy(
        urgency_weights=weights,
        substitute_value=_number(
            raw, "substitute_value", "policy.substitute_value", defaults.substitute_value
        ),
        waiting_bonus_per_30_days=_number(
            raw,
            "waiting_bonus_per_30_days",
            "policy.waiting_bonus_per_30_days",
            defaults.waiting_bonus_per_30_days,
        ),
        fairness_weight=_number(
            raw, "fairness_weight", "policy.fairness_weight", defaults.fairness_weight
        ),
    )


def instance_from_dict(data: Any) -> Instance:
    """The instance in `data` (parsed JSON), or an InstanceError naming the first problem."""
    if not isinstance(data, dict):
        raise InstanceError(NOT_AN_OBJECT)
    if data.get("format") != FORMAT:
        raise InstanceError(WRONG_FORMAT, format=FORMAT, found=_show(data.get("format")))
    policy = _policy(data)

    stock: list[StockRow] = []
    skus: dict[str, str] = {}
    for i, raw in enumerate(_list(data, "stock", "stock")):
        path = f"stock[{i}]"
        row = _entry(raw, path)
        sku = _text(row, "sku", path + ".sku")
        if sku in skus:
            raise InstanceError(DUPLICATE_ID, path=path + ".sku", id=_show(sku), first=skus[sku])
        skus[sku] = path
        size = row.get("size")
        if size is not None and not isinstance(size, str):
            raise InstanceError(NOT_A_SIZE, path=path + ".size")
        stock.append(
            StockRow(
                sku=sku,
                item_type=_text(row, "item_type", path + ".item_type"),
                size=size,
                quantity=_quantity(row, "quantity", path + ".quantity"),
            )
        )

    needs: list[Need] = []
    ids: dict[str, str] = {}
    known = ", ".join(policy.urgency_weights)
    for i, raw in enumerate(_list(data, "needs", "needs")):
        path = f"needs[{i}]"
        row = _entry(raw, path)
        need_id = _text(row, "id", path + ".id")
        if need_id in ids:
            raise InstanceError(
                DUPLICATE_ID, path=path + ".id", id=_show(need_id), first=ids[need_id]
            )
        ids[need_id] = path
        sizes = row.get("sizes", [])
        if not isinstance(sizes, list):
            raise InstanceError(NOT_A_LIST, path=path + ".sizes")
        for j, size in enumerate(sizes):
            if not isinstance(size, str):
                raise InstanceError(NOT_A_SIZE, path=f"{path}.sizes[{j}]")
        if "urgency" not in row:
            raise InstanceError(MISSING, path=path + ".urgency")
        urgency = _urgency_key(row["urgency"])
        if urgency not in policy.urgency_weights:
            raise InstanceError(
                UNKNOWN_URGENCY, path=path + ".urgency", found=_show(row["urgency"]), known=known
            )
        needs.append(
            Need(
                id=need_id,
                household=_text(row, "household", path + ".household"),
                item_type=_text(row, "item_type", path + ".item_type"),
                sizes=tuple(dict.fromkeys(sizes)),  # a size listed twice counts once
                quantity=_quantity(row, "quantity", path + ".quantity"),
                urgency=urgency,
                waiting_days=_number(row, "waiting_days", path + ".waiting_days", 0.0),
            )
        )
    return Instance(policy=policy, stock=tuple(stock), needs=tuple(needs))


def parse_instance(text: str | bytes) -> Instance:
    """An Instance from the JSON text of a kindred-allocation/1 file."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InstanceError(NOT_JSON, line=error.lineno, column=error.colno) from None
    except (UnicodeDecodeError, RecursionError):
        raise InstanceError(NOT_JSON, line=1, column=1) from None
    return instance_from_dict(data)


def result_json(result: Result) -> dict[str, Any]:
    return {
        "format": RESULT_FORMAT,
        "allocations": [
            {"need": a.need, "sku": a.sku, "quantity": a.quantity} for a in result.allocations
        ],
        "objective": result.objective,
    }


def result_from_dict(data: dict[str, Any]) -> Result:
    """A Result read back from its JSON (for tests and tools that check answers)."""
    return Result(
        allocations=tuple(
            Allocation(need=a["need"], sku=a["sku"], quantity=int(a["quantity"]))
            for a in data["allocations"]
        ),
        objective=float(data["objective"]),
    )

"""Reads of goods that are more than one `.filter()`."""

from .ledger import Difference, stock_at, verify_balances

__all__ = ["Difference", "stock_at", "verify_balances"]

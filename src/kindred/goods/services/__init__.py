"""Every write to goods. Stock changes only through `ledger.record()`."""

from .common import StockError, next_number
from .ledger import Move, StockKey, record, reversal

__all__ = ["Move", "StockError", "StockKey", "next_number", "record", "reversal"]

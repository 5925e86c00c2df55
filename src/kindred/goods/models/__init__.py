"""Goods: the catalogue, storage locations, the stock ledger and the documents that move
stock (donation receipts, sortings, transfers, stock counts, disposal lots).

The ledger (ADR 0011): `Movement` rows are append-only; `StockBalance` holds the current
quantity per location, item type, size and grade and is written only by
`goods.services.ledger`, in the transaction that appends the movements, under row locks
taken in one global key order. Database CHECKs keep every balance non-negative and the
reserved part within it, whatever code runs.
"""

from .catalogue import Category, ItemType
from .common import QTY, ZERO, Grade, Stream, Unit
from .intake import DonationLine, DonationReceipt, OneOffItem
from .ledger import DocumentCounter, Movement, StockBalance
from .locations import Location
from .needs import GoodsSettings, Threshold
from .operations import (
    DisposalLine,
    DisposalLot,
    Sorting,
    SortingLine,
    StockCount,
    StockCountLine,
    Transfer,
    TransferLine,
)

__all__ = [
    "QTY",
    "ZERO",
    "Category",
    "DisposalLine",
    "DisposalLot",
    "DocumentCounter",
    "DonationLine",
    "DonationReceipt",
    "GoodsSettings",
    "Grade",
    "ItemType",
    "Location",
    "Movement",
    "OneOffItem",
    "Sorting",
    "SortingLine",
    "StockBalance",
    "StockCount",
    "StockCountLine",
    "Stream",
    "Threshold",
    "Transfer",
    "TransferLine",
    "Unit",
]

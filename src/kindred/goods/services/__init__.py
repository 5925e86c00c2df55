"""Every write to goods. Stock changes only through `ledger.record()`."""

from .catalogue import (
    archive_location,
    create_category,
    create_item_type,
    create_location,
    ensure_catalogue,
    ensure_default_catalogue,
    transit_location,
    update_category,
    update_item_type,
    update_location,
)
from .common import StockError, StockInputError, next_number
from .corrections import reverse_document
from .counts import CountLineIn, approve_count, cancel_count, record_counts, start_count
from .disposal import DisposalLineIn, record_disposal
from .intake import (
    LineError,
    ReceiptLineIn,
    correct_receipt,
    ensure_donor_purpose,
    record_receipt,
    send_thank_you,
)
from .ledger import Move, StockKey, record, reversal
from .sorting import SortingLineIn, record_sorting
from .stock import hand_out, release, reserve
from .thresholds import delete_threshold, set_threshold, update_needs_settings
from .transfers import TransferLineIn, receive_transfer, send_transfer

__all__ = [
    "CountLineIn",
    "DisposalLineIn",
    "LineError",
    "Move",
    "ReceiptLineIn",
    "SortingLineIn",
    "StockError",
    "StockInputError",
    "StockKey",
    "TransferLineIn",
    "approve_count",
    "archive_location",
    "cancel_count",
    "correct_receipt",
    "create_category",
    "create_item_type",
    "create_location",
    "delete_threshold",
    "ensure_catalogue",
    "ensure_default_catalogue",
    "ensure_donor_purpose",
    "hand_out",
    "next_number",
    "receive_transfer",
    "record",
    "record_counts",
    "record_disposal",
    "record_receipt",
    "record_sorting",
    "release",
    "reserve",
    "reversal",
    "reverse_document",
    "send_thank_you",
    "send_transfer",
    "set_threshold",
    "start_count",
    "transit_location",
    "update_category",
    "update_item_type",
    "update_location",
    "update_needs_settings",
]

"""Reads of goods that are more than one `.filter()`."""

from .catalogue import (
    catalogue_rows,
    catalogue_with_types,
    category_tree,
    location_totals,
    location_tree,
)
from .intake import intake_catalogue, receipt_summary, receipts
from .labels import (
    ScanTarget,
    chosen_for_labels,
    label_items,
    label_locations,
    location_page,
    resolve_scan,
)
from .ledger import Difference, stock_at, verify_balances
from .operations import count_sheet, document_corrections, document_movements, sorting_balance
from .stock import (
    MovementFilter,
    StockFilter,
    balances,
    low_stock,
    movements,
    public_needs,
    stock_at_date,
    thresholds,
)

__all__ = [
    "Difference",
    "MovementFilter",
    "ScanTarget",
    "StockFilter",
    "balances",
    "catalogue_rows",
    "catalogue_with_types",
    "category_tree",
    "chosen_for_labels",
    "count_sheet",
    "document_corrections",
    "document_movements",
    "intake_catalogue",
    "label_items",
    "label_locations",
    "location_page",
    "location_totals",
    "location_tree",
    "low_stock",
    "movements",
    "public_needs",
    "receipt_summary",
    "receipts",
    "resolve_scan",
    "sorting_balance",
    "stock_at",
    "stock_at_date",
    "thresholds",
    "verify_balances",
]

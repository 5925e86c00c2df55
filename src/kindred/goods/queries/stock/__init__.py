"""Reads for the stock pages and the stock API, one module per subject: the current stock
list (listing.py: filters, grouping, sorting, totals), movement history (history.py), stock
at a past date (at_date.py), low stock and the public needs list (levels.py), and what they
share (common.py).

The current-stock list must answer in well under 150 ms for a site with 5,000 stock rows
(bench/goods_stock.py): it reads only `StockBalance` joined to its item type, category,
location and site — never movements — and every total is one aggregate query. The
catalogue is small (about a hundred types), so what depends on translated names (search,
sorting by name) is resolved in Python from the labels: the database gets item type ids,
and the order is decided over light tuples (see `listing.balances`).
"""

from .at_date import PastRow, PastStock, end_of_day, stock_at_date
from .common import (
    DECIMAL,
    GROUPS,
    KG,
    SORTS,
    VALUE,
    TypeFacts,
    category_subtree,
    item_type_labels,
    location_subtree,
    matching_item_type_ids,
    size_rank,
    type_facts,
)
from .history import (
    LedgerDocument,
    MovementFilter,
    attach_documents,
    document_url,
    documents,
    movements,
)
from .levels import (
    LowStock,
    Need,
    NeedGroup,
    available_by_threshold,
    low_stock,
    public_needs,
    public_sites,
    size_ranges,
    thresholds,
)
from .listing import (
    GROUP_COLUMNS,
    LOAD_CHUNK,
    BalanceList,
    StockFilter,
    Totals,
    attach_item_types,
    balances,
    group_totals,
    item_size_rows,
    totals,
)

__all__ = [
    "DECIMAL",
    "GROUPS",
    "GROUP_COLUMNS",
    "KG",
    "LOAD_CHUNK",
    "SORTS",
    "VALUE",
    "BalanceList",
    "LedgerDocument",
    "LowStock",
    "MovementFilter",
    "Need",
    "NeedGroup",
    "PastRow",
    "PastStock",
    "StockFilter",
    "Totals",
    "TypeFacts",
    "attach_documents",
    "attach_item_types",
    "available_by_threshold",
    "balances",
    "category_subtree",
    "document_url",
    "documents",
    "end_of_day",
    "group_totals",
    "item_size_rows",
    "item_type_labels",
    "location_subtree",
    "low_stock",
    "matching_item_type_ids",
    "movements",
    "public_needs",
    "public_sites",
    "size_ranges",
    "size_rank",
    "stock_at_date",
    "thresholds",
    "totals",
    "type_facts",
]

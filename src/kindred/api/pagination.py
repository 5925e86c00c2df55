"""The API's one pagination convention: `?page=1&page_size=50` (at most 200) answered with
`{"items": [...], "count": N, "page": P, "page_size": S, "pages": K}`."""

import math
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import HttpError
from ninja.pagination import PaginationBase

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # beyond any real list; keeps OFFSET inside what databases accept


class PagePagination(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE, description="Page number, from 1.")
        page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="Items per page (≤ 200).")

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int
        pages: int

    def paginate_queryset(self, queryset, pagination: Input, request, **params):
        size = pagination.page_size
        start = (pagination.page - 1) * size
        # One row more than the page: when it does not come back, this page is the last one
        # and the count is known without a second query (most lists fit on one page); only
        # a full page, or a page past the end, asks the database to count.
        rows = list(queryset[start : start + size + 1])
        if len(rows) <= size and (rows or start == 0):
            count = start + len(rows)
        else:
            count = self._items_count(queryset)
        pages = max(1, math.ceil(count / size))
        if pagination.page > pages:  # page 1 of an empty list is fine: pages is at least 1
            raise HttpError(404, _("This page does not exist."))
        return {
            "items": rows[:size],
            "count": count,
            "page": pagination.page,
            "page_size": size,
            "pages": pages,
        }

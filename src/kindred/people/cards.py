"""The people app's card on the home page (declared in contrib.py)."""

from __future__ import annotations

from django.http import HttpRequest

from . import queries


def possible_duplicates(request: HttpRequest) -> dict:
    """Pairs of records that look like one person and nobody has reviewed: the same pairs
    as the possible-duplicates page, in the same fixed number of queries."""
    pairs = queries.possible_duplicates(request.org)
    return {"count": len(pairs)}

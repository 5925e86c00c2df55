"""The privacy app's card on the home page (declared in contrib.py): the retention purge."""

from __future__ import annotations

from django.http import HttpRequest

from . import queries


def retention(request: HttpRequest) -> dict:
    """Who the next retention purge would anonymise, and who a legal hold keeps."""
    rule = queries.retention_rule(request.org)
    candidates = queries.purge_candidates(request.org, rule=rule)
    held = sum(1 for c in candidates if c.held)
    return {"rule": rule, "due": len(candidates) - held, "held": held}

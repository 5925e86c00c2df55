"""Core's cards on the home page (declared in contrib.py). Each takes the request and returns
its template's context, in a fixed number of queries."""

from __future__ import annotations

from django.http import HttpRequest

from . import queries


def sites(request: HttpRequest) -> dict:
    return queries.site_summary(request.org)


def members(request: HttpRequest) -> dict:
    return queries.member_summary(request.org)


def recent_changes(request: HttpRequest) -> dict:
    return {"recent_audit": queries.recent_changes(request.org)}

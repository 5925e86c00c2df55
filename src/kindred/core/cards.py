"""Core's cards on the home page (declared in contrib.py). Each takes the request and returns
its template's context, in a fixed number of queries."""

from __future__ import annotations

from django.http import HttpRequest

from . import queries
from .models import OutgoingMail


def sites(request: HttpRequest) -> dict:
    return queries.site_summary(request.org)


def members(request: HttpRequest) -> dict:
    return queries.member_summary(request.org)


def recent_changes(request: HttpRequest) -> dict:
    return {"recent_audit": queries.recent_changes(request.org)}


def mail_problems(request: HttpRequest) -> dict | None:
    """E-mails that failed (and are being tried again, or were given up), newest first;
    no card when there are none."""
    failing = OutgoingMail.objects.filter(organization=request.org, attempts__gt=0).exclude(
        status=OutgoingMail.Status.SENT
    )
    first = list(failing.order_by("-created_at", "-pk")[:5])
    if not first:
        return None
    return {"count": failing.count(), "first": first}

"""Movement history, and the documents that moved stock (extension point
"goods.ledger_documents")."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Q,
    QuerySet,
)
from django.urls import reverse

from kindred.core import declarations
from kindred.core.models import Organization
from kindred.core.roles import can

from ...models import (
    Movement,
)
from .common import location_subtree

# Movement history --------------------------------------------------------------------------


@dataclass(frozen=True)
class MovementFilter:
    item_type: int | None = None
    location: int | None = None
    site: int | None = None
    kind: str = ""
    since: datetime | None = None
    until: datetime | None = None
    document_type: str = ""
    document_id: int | None = None

    @property
    def active(self) -> bool:
        return any(
            v not in (None, "")
            for v in (
                self.item_type,
                self.location,
                self.site,
                self.kind,
                self.since,
                self.until,
                self.document_type,
                self.document_id,
            )
        )


def movements(
    org: Organization, f: MovementFilter | None = None, *, oldest_first: bool = False
) -> QuerySet[Movement]:
    """Movements matching `f`, newest first (or oldest first), with what a row shows."""
    f = f or MovementFilter()
    qs = Movement.objects.filter(organization=org)
    if f.item_type:
        qs = qs.filter(item_type_id=f.item_type)
    if f.location:
        ids = location_subtree(org, f.location)
        qs = qs.filter(Q(from_location_id__in=ids) | Q(to_location_id__in=ids))
    if f.site:
        qs = qs.filter(Q(from_location__site_id=f.site) | Q(to_location__site_id=f.site))
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.since:
        qs = qs.filter(created_at__gte=f.since)
    if f.until:
        qs = qs.filter(created_at__lt=f.until)
    if f.document_type:
        qs = qs.filter(document_type=f.document_type)
    if f.document_id is not None:
        qs = qs.filter(document_id=f.document_id)
    order = ["created_at", "pk"] if oldest_first else ["-created_at", "-pk"]
    return qs.select_related(
        "item_type", "from_location__site", "to_location__site", "actor"
    ).order_by(*order)


@dataclass(frozen=True)
class LedgerDocument:
    """A kind of document that moves stock, with its page: contributed to the extension point
    "goods.ledger_documents" (goods/contrib.py) by goods and by apps above it (aid:
    reservations, handouts). A kind nobody declares stays plain text in the history."""

    kind: str
    model: type
    url_name: str
    url_kwarg: str
    action: str | None = None  # what a member needs to open its page (None: who sees stock)


def documents() -> dict[str, LedgerDocument]:
    return {d.kind: d for d in declarations.extensions("goods.ledger_documents")}


def document_url(org_slug: str, document_type: str, document_id: int | None) -> str | None:
    target = documents().get(document_type)
    if target is None or document_id is None:
        return None
    return reverse(target.url_name, kwargs={"org_slug": org_slug, target.url_kwarg: document_id})


def attach_documents(
    org: Organization, rows: list[Movement], role: str | None = None
) -> list[Movement]:
    """Give each movement `document_ref` (R-12, T-3, …) and `document_url` (or None): one
    query per kind of document on the page, never one per row. A document whose page the
    member's `role` may not open (a fundraiser and a reservation) gets no link."""
    known = documents()
    wanted: dict[str, set[int]] = defaultdict(set)
    for m in rows:
        if m.document_type in known and m.document_id is not None:
            wanted[m.document_type].add(m.document_id)
    references: dict[tuple[str, int], str] = {}
    for document_type, ids in wanted.items():
        model = known[document_type].model
        for doc in model.objects.filter(organization=org, pk__in=ids).only("number"):
            references[(document_type, doc.pk)] = doc.reference
    for m in rows:
        m.document_ref = references.get((m.document_type, m.document_id or 0), "")
        target = known.get(m.document_type)
        allowed = target is not None and (target.action is None or can(role, target.action))
        m.document_url = (
            document_url(org.slug, m.document_type, m.document_id)
            if m.document_ref and allowed
            else None
        )
    return rows

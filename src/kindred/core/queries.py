"""Reads for core pages and the API: lists with search, filters, sorting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from .models import AuditEntry, Invitation, Membership, Organization, Site
from .roles import Role

SITE_SORTS = {
    "name": "name",
    "-name": "-name",
    "kind": "kind",
    "-kind": "-kind",
    "city": "city",
    "-city": "-city",
}
MEMBER_SORTS = {
    "name": "user__full_name",
    "-name": "-user__full_name",
    "email": "user__email",
    "-email": "-user__email",
    "role": "role",
    "-role": "-role",
    "joined": "created_at",
    "-joined": "-created_at",
}


def sites(
    org: Organization,
    *,
    search: str = "",
    kind: str = "",
    archived: bool | None = False,
    sort: str = "name",
) -> QuerySet[Site]:
    qs = Site.objects.filter(organization=org)
    if search:
        qs = qs.filter(
            Q(name__icontains=search)
            | Q(city__icontains=search)
            | Q(street__icontains=search)
            | Q(postcode__icontains=search)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if archived is not None:
        qs = qs.filter(archived=archived)
    return qs.order_by(SITE_SORTS.get(sort, "name"), "pk")


def members(
    org: Organization, *, search: str = "", role: str = "", sort: str = "name"
) -> QuerySet[Membership]:
    qs = Membership.objects.filter(organization=org).select_related("user")
    if search:
        qs = qs.filter(Q(user__full_name__icontains=search) | Q(user__email__icontains=search))
    if role:
        qs = qs.filter(role=role)
    return qs.order_by(MEMBER_SORTS.get(sort, "user__full_name"), "user__email", "pk")


def pending_invitations(org: Organization) -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        organization=org, status=Invitation.Status.PENDING, expires_at__gt=timezone.now()
    ).select_related("invited_by")


@dataclass
class AuditFilter:
    search: str = ""
    action: str = ""
    actor: str = ""
    date_from: date | None = None
    date_to: date | None = None


def audit_entries(org: Organization, f: AuditFilter) -> QuerySet[AuditEntry]:
    qs = AuditEntry.objects.filter(organization=org)
    if f.action:
        qs = qs.filter(action__startswith=f.action)
    if f.actor:
        qs = qs.filter(actor_label__icontains=f.actor)
    if f.search:
        qs = qs.filter(Q(object_repr__icontains=f.search) | Q(action__icontains=f.search))
    tz = timezone.get_current_timezone()
    if f.date_from:
        qs = qs.filter(created_at__gte=datetime.combine(f.date_from, time.min, tzinfo=tz))
    if f.date_to:
        qs = qs.filter(created_at__lte=datetime.combine(f.date_to, time.max, tzinfo=tz))
    return qs.order_by("-created_at", "-id")


def audit_actions(org: Organization) -> list[str]:
    return list(
        AuditEntry.objects.filter(organization=org)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def site_summary(org: Organization) -> dict:
    sites = Site.objects.filter(organization=org, archived=False)
    return {"site_count": sites.count(), "sites": list(sites.order_by("name")[:8])}


def member_summary(org: Organization) -> dict:
    return {
        "member_count": Membership.objects.filter(organization=org).count(),
        "role_counts": _role_counts(org),
        "pending_invitations": pending_invitations(org).count(),
    }


def recent_changes(org: Organization, limit: int = 10) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(organization=org).order_by("-created_at", "-id")[:limit])


def _role_counts(org: Organization) -> list[tuple[str, int]]:
    counts = dict(
        Membership.objects.filter(organization=org).values_list("role").annotate(n=Count("id"))
    )
    return [(Role(role).label, counts.get(role, 0)) for role in Role.values]

"""What several of the reads share: the exact identity-number lookup (the person page's
lookup and the search box) and the lawful-basis filter (the persons list and the reads by
consent purpose)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from kindred.core.models import Organization

from .. import identity
from ..keys import context, keys
from ..models import Consent, ConsentPurpose, Person


def find_by_national_id(org: Organization, country: str, number: str) -> Person | None:
    """Exact lookup through the blind index (under every configured key), no decryption."""
    try:
        compact = identity.normalise(country, number)
    except identity.IdentityError:
        return None
    indexes = identity.blind_indexes(keys(), country, compact, context=context(org))
    return Person.objects.filter(organization=org, national_id_index__in=indexes).first()


def _with_active_basis(qs: QuerySet[Person], purpose: ConsentPurpose | int) -> QuerySet[Person]:
    active = Consent.objects.filter(
        person=OuterRef("pk"), purpose=purpose, withdrawn_at__isnull=True
    )
    return qs.filter(Exists(active))

"""The configured identity-number keys (settings.ENCRYPTION_KEYS) and the per-organisation
context bound into every ciphertext and blind index."""

from __future__ import annotations

import functools

from django.conf import settings

from kindred.core.models import Organization

from . import identity


@functools.cache
def _parse(value: str) -> list[identity.Key]:
    return identity.parse_keys(value)


def keys() -> list[identity.Key]:
    """Newest first; cached per configured value, so tests can override the setting."""
    return _parse(settings.ENCRYPTION_KEYS)


def context(org: Organization) -> str:
    return f"org:{org.pk}:national_id"

"""What the aid services share: their errors and document numbers."""

from __future__ import annotations

import secrets

from django.db import models

from kindred.core.models import Organization
from kindred.core.services import Conflict, DomainError
from kindred.goods.services.common import next_number


class AidError(DomainError):
    """A refused aid operation (409): the request, reservation or booking is not in a state
    that allows it. Nothing was changed."""

    status = 409


class NotEligible(DomainError):
    """One or more eligibility rules failed (403-like refusal, answered as 409 with the
    translated explanation of each failed rule in `failures`)."""

    status = 409

    def __init__(self, message: str, *, failures: list[dict] | None = None, field=None):
        super().__init__(message, field=field)
        self.failures = failures or []


class NeedsConfirmation(AidError):
    """A handout that may go ahead only when the person at the station confirms it (409):
    a booking for another day, or goods reserved at another site than the station's.
    `warnings` are the station queries' HandoutWarnings (codes "other_day", "other_site");
    sending those codes back as the confirmation lets it through, audited."""

    def __init__(self, warnings: list, *, field: str = "confirm"):
        super().__init__(" ".join(w.message for w in warnings), field=field)
        self.warnings = warnings


def number_for(org: Organization, model: type[models.Model]) -> int:
    """The next number of `model`'s documents (H-1, RV-1, U-1) in the organisation."""
    return next_number(org, f"aid.{model.__name__.lower()}")


__all__ = ["AidError", "Conflict", "NeedsConfirmation", "NotEligible", "number_for"]


# Unambiguous on a screen and read aloud: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def random_code(length: int = 8) -> str:
    """Random characters a household can read out on the phone: a booking's code, the
    public form's reference (5 bits each, so 8 of them are 40 bits)."""
    return "".join(secrets.choice(CODE_ALPHABET) for _i in range(length))

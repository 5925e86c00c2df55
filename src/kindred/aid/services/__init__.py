"""Aid services (ARCHITECTURE.md rule 1), one module per subject. Each module lists the
audit actions it writes in its own `AUDIT` dict; contrib.py declares them all."""

from . import (
    allocation,
    distribution,
    eligibility,
    handouts,
    requests,
    reservations,
    settings,
)
from .common import AidError, NotEligible

AUDIT_ACTIONS: dict = {
    **requests.AUDIT,
    **eligibility.AUDIT,
    **allocation.AUDIT,
    **reservations.AUDIT,
    **distribution.AUDIT,
    **handouts.AUDIT,
    **settings.AUDIT,
}

__all__ = ["AUDIT_ACTIONS", "AidError", "NotEligible"]

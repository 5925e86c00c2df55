"""The aid app's API: one ninja router, its endpoints split by subject. Import order is
route order: fixed paths before ones with ids."""

from . import allocation, distribution, eligibility, handouts, requests  # noqa: F401  (register)
from .common import router

__all__ = ["router"]

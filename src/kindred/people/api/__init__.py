"""The people app's API: one ninja router, its endpoints split by subject. Import order is
route order: fixed paths (/persons/lookup) before /persons/{person_id}."""

from . import contacts, duplicates, exports, households, persons  # noqa: F401  (register)
from .common import router

__all__ = ["router"]

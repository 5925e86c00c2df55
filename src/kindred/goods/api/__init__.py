"""The goods app's API: one ninja router, its endpoints split by subject. Import order is
route order: fixed paths before ones with ids."""

from . import catalogue, corrections, intake, operations, stock  # noqa: F401  (register)
from .common import router

__all__ = ["router"]

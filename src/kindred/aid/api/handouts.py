"""Aid API: handouts (to be written)."""

from .common import ORG, router  # noqa: F401

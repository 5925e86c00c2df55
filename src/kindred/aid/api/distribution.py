"""Aid API: distribution (to be written)."""

from .common import ORG, router  # noqa: F401

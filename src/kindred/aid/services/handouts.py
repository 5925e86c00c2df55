"""Aid services: handouts (to be written)."""

from django.utils.translation import gettext_lazy as _  # noqa: F401

AUDIT: dict = {}

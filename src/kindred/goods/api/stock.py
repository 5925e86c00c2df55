"""(endpoints are added by subject)"""

from .common import ORG, router  # noqa: F401

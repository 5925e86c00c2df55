"""Aid matrix: distribution pages and endpoints."""

from tests.core.endpoint import Endpoint  # noqa: F401

PAGES: list = []
API: list = []


def build(world, owner) -> None:
    pass

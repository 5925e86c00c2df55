"""Goods matrix entries (see __init__): build() adds objects to world.goods."""


def build(world, owner) -> None:
    pass


PAGES: list = []
API: list = []

"""The goods part of the permission matrix (tests/core/test_permissions.py), one module per
subject: each has `build(world, owner)`, which adds the objects its endpoints point at to
`world.goods`, and `PAGES` and `API`, lists of `Endpoint`s.

`build_goods` runs first `base` (a site's locations, the catalogue, some stock), then each
subject's builder.
"""

from . import base, catalogue, intake, labels, operations, stock

MODULES = (catalogue, intake, operations, stock, labels)

GOODS_PAGES = [e for m in MODULES for e in m.PAGES]
GOODS_API = [e for m in MODULES for e in m.API]


# The module that lists each endpoint: a case builds only what its own endpoint points at.
_MODULE_OF = {e: m for m in MODULES for e in (*m.PAGES, *m.API)}


def build_goods(world, owner, endpoint=None) -> None:
    """`base`, then the builder of the endpoint's module (every module's without one)."""
    base.build(world, owner)
    for module in MODULES if endpoint is None else (_MODULE_OF[endpoint],):
        module.build(world, owner)

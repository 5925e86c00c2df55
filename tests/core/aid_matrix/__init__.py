"""The aid part of the permission matrix (tests/core/test_permissions.py), one module per
subject, as in goods_matrix: each has `build(world, owner)`, which adds the objects its
endpoints point at to `world.aid`, and `PAGES` and `API`, lists of `Endpoint`s.

`build_aid` runs after the goods builder (a site's shelf with stock), first `base` (an
approved request with need lines), then each subject's builder.
"""

from . import allocation, base, distribution, eligibility, requests, station

MODULES = (requests, eligibility, allocation, distribution, station)

AID_PAGES = [e for m in MODULES for e in m.PAGES]
AID_API = [e for m in MODULES for e in m.API]


# The module that lists each endpoint: a case builds only what its own endpoint points at.
_MODULE_OF = {e: m for m in MODULES for e in (*m.PAGES, *m.API)}


def build_aid(world, owner, endpoint=None) -> None:
    """`base`, then the builder of the endpoint's module (every module's without one)."""
    base.build(world, owner)
    for module in MODULES if endpoint is None else (_MODULE_OF[endpoint],):
        module.build(world, owner)

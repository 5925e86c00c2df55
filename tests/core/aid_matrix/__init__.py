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


def build_aid(world, owner) -> None:
    base.build(world, owner)
    for module in MODULES:
        module.build(world, owner)

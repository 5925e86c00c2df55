"""The goods API's router and what its modules share."""

from ninja import Router

router = Router(tags=["goods"])

ORG = "/organizations/{slug}"

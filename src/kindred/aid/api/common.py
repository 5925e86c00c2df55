"""The aid API's router (see api/__init__.py)."""

from ninja import Router

router = Router(tags=["aid"])

ORG = "/organizations/{slug}"

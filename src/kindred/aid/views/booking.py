"""Households' booking links (to be written)."""

urlpatterns: list = []

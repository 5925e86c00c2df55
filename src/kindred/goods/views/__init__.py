"""Goods pages, split by subject; each module has its own `urlpatterns` (goods/urls.py)."""

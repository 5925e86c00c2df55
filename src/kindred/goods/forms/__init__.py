"""Goods forms, one module per subject."""

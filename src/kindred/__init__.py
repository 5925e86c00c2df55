"""Kindred: the operations platform for community charities."""

__version__ = "0.1.0"

"""Acme claims."""

__version__ = "1.2.3"
RELEASE_DATE = "2024-01-15"

"""One class per tool (see base.py). Importing the package registers every tool module in it."""

from __future__ import annotations

import importlib
import pkgutil

from claude_guard.tools.base import Tool, lookup, registered

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")

__all__ = ["Tool", "lookup", "registered"]
